import { graphql } from "../../../gql";

export const EraseStudent = graphql(`
  mutation EraseStudent($studentId: ID!) {
    eraseStudent(studentId: $studentId) { student { id erased } errors { code message } }
  }
`);
