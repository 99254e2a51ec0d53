import { graphql } from "../../../gql";

/** The admin's frame: who, and the branches they manage (the owner: every branch). */
export const AdminFrame = graphql(`
  query AdminFrame {
    me { role staffId branchIds staff { id firstName lastName } }
    branches { id name city timeZone }
  }
`);

export const BranchGroups = graphql(`
  query BranchGroups($branchId: ID!) {
    groups(branchId: $branchId) { id name courseId price { amount currency } }
    courses { id name }
  }
`);

export const MonthLessonFields = graphql(`
  fragment MonthLessonFields on Lesson {
    id startsAt endsAt localDate status published kind groupId
    price { amount currency }
    participants { studentId reason price { amount currency } }
  }
`);

/** A group's lessons around a month (drafts included: staff see them); the page keeps the month's by localDate. */
export const GroupMonth = graphql(`
  query GroupMonth($filter: LessonsFilter!) {
    lessons(filter: $filter, first: 200) {
      totalCount
      edges { node { ...MonthLessonFields } }
    }
  }
`);

export const GenerateMonth = graphql(`
  mutation GenerateMonth($branchId: ID!, $month: String!, $groupId: ID) {
    generateMonth(branchId: $branchId, month: $month, groupId: $groupId) {
      created existing
      conflicts { localDate code message }
      errors { code message field }
    }
  }
`);

export const PublishMonth = graphql(`
  mutation PublishMonth($branchId: ID!, $month: String!, $groupId: ID) {
    publishMonth(branchId: $branchId, month: $month, groupId: $groupId) {
      published participants
      errors { code message field }
    }
  }
`);

export const BranchFamilies = graphql(`
  query BranchFamilies($branchId: ID!, $after: String) {
    branchFamilies(branchId: $branchId, first: 100, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id guardianPhone guardians { id firstName lastName } students { id firstName lastName } } }
    }
  }
`);

/** The client card in one request: the family (identity), its money (billing), the groups its children are in
 * (scheduling: programmes and transfers from the memberships) and its lessons in a window (make-ups). */
export const ClientCard = graphql(`
  query ClientCard($familyId: ID!, $from: DateTime!, $to: DateTime!) {
    family(id: $familyId) {
      id guardianPhone accessOpen
      guardians { id firstName lastName phone email isPayer }
      students { id firstName lastName birthDate branchId erased }
      account { balance { amount currency } creditLimit { amount currency } inDebt }
      subscriptions {
        id studentId name lessonsTotal lessonsLeft validFrom validUntil status trial onCredit
        price { amount currency }
      }
      invoices { id description amount { amount currency } paid { amount currency } status issuedAt periodFrom periodTo }
      payments { id amount { amount currency } refunded { amount currency } method invoiceId receivedAt }
      lessons(from: $from, to: $to, first: 200) {
        edges { node { id startsAt localDate branchId groupId kind status participants { studentId familyId reason } } }
      }
    }
    groups { id name branchId memberships { id groupId studentId familyId startsOn endsOn reason transferredTo } }
    branches { id name timeZone }
  }
`);

export const SetDraftLessonPrice = graphql(`
  mutation SetDraftLessonPrice($lessonId: ID!, $price: Decimal!) {
    setDraftLessonPrice(lessonId: $lessonId, price: $price) {
      lesson { ...MonthLessonFields }
      errors { code message field }
    }
  }
`);
