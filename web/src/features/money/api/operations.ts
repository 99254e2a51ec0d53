import { graphql } from "../../../gql";

export const FamilyMoney = graphql(`
  query FamilyMoney {
    myFamily {
      id
      remainingLessons
      account { id balance { amount currency } inDebt creditLimit { amount currency } }
      statement(first: 200) {
        edges {
          node {
            id at kind description debt lessonsDelta
            amount { amount currency }
            balanceAfter { amount currency }
            studentId lessonId subscriptionId paymentId invoiceId reversesId
            discount { name amount { amount currency } }
          }
        }
      }
      subscriptions { id studentId name lessonsTotal lessonsLeft validUntil status trial price { amount currency } }
      invoices { id description amount { amount currency } paid { amount currency } status issuedAt }
      payments { id amount { amount currency } refunded { amount currency } method invoiceId receivedAt }
    }
  }
`);

export const StartOnlinePayment = graphql(`
  mutation StartOnlinePayment($input: StartOnlinePaymentInput!) {
    startOnlinePayment(input: $input) {
      checkout { providerPaymentId confirmationUrl }
      errors { code message field }
    }
  }
`);
