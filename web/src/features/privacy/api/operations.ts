import { graphql } from "../../../gql";

export const EraseStudent = graphql(`
  mutation EraseStudent($studentId: ID!) {
    eraseStudent(studentId: $studentId) { student { id erased } errors { code message } }
  }
`);

export const SetChildConsent = graphql(`
  mutation SetChildConsent($studentId: ID!, $given: Boolean!) {
    setChildConsent(studentId: $studentId, given: $given) {
      student { id consentRecorded } errors { code message }
    }
  }
`);
