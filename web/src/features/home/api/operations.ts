import { graphql } from "../../../gql";

/** Everything the child's home shows, in one query (the bench counts: 1 query + 1 subscription). */
export const ChildHome = graphql(`
  query ChildHome($studentId: ID!, $from: DateTime!, $to: DateTime!) {
    student(id: $studentId) {
      id
      familyRemainingLessons
      remainingLessons
      familyBalance { amount currency }
      lessons(from: $from, to: $to, first: 5) {
        edges { node { id startsAt endsAt status lessonType kind group { id name } } }
      }
      pastLessons(first: 5) {
        edges { node { lessonId startsAt grade attendance comment filled } }
      }
      homework(status: OPEN) { lessonId text dueAt status }
    }
  }
`);

export const GradePosted = graphql(`
  subscription GradePosted($studentId: ID!) {
    gradePosted(studentId: $studentId) { lessonId studentId grade occurredAt }
  }
`);
