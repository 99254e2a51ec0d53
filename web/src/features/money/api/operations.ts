import { graphql } from "../../../gql";

/** One line of the statement, with everything that says why. */
export const StatementLineFields = graphql(`
  fragment StatementLineFields on StatementLine {
    id at kind description debt lessonsDelta
    amount { amount currency }
    balanceAfter { amount currency }
    studentId lessonId subscriptionId paymentId invoiceId reversesId
    discount { name amount { amount currency } }
  }
`);

export const FamilyMoney = graphql(`
  query FamilyMoney {
    myFamily {
      id
      remainingLessons
      account { id balance { amount currency } inDebt creditLimit { amount currency } }
      statement(first: 50, order: NEWEST_FIRST) {
        edges { node { ...StatementLineFields } }
        pageInfo { hasNextPage endCursor }
      }
      subscriptions { id studentId name lessonsTotal lessonsLeft validUntil status trial price { amount currency } }
      invoices { id description amount { amount currency } paid { amount currency } status issuedAt }
      payments { id amount { amount currency } refunded { amount currency } method invoiceId receivedAt }
    }
  }
`);

/** Older lines of the statement ("show older"): the page before the cursor, newest first. */
export const StatementPage = graphql(`
  query StatementPage($after: String!) {
    myFamily {
      id
      statement(first: 50, after: $after, order: NEWEST_FIRST) {
        edges { node { ...StatementLineFields } }
        pageInfo { hasNextPage endCursor }
      }
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
