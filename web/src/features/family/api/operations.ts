import { graphql } from "../../../gql";

/** The cabinet's frame: the family, its children with their counts of lessons to come, the shared balance. */
export const FamilyFrame = graphql(`
  fragment FamilyFrame on Family {
    id
    accessOpen
    remainingLessons
    account { id balance { amount currency } inDebt }
    trial { studentId usedAt }
    students {
      id firstName lastName birthDate erased consentRecorded upcomingLessonsCount
      branch { id name timeZone address city }
    }
  }
`);

export const FamilyActivity = graphql(`
  subscription FamilyActivity($familyId: ID!) {
    familyActivity(familyId: $familyId) {
      balance { familyId balance { amount currency } occurredAt }
      grade { lessonId studentId grade occurredAt }
      homework { lessonId studentId occurredAt }
    }
  }
`);