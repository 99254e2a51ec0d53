import { graphql } from "../../../gql";

/**
 * What the child's home shows; the cabinet's one query selects it with the family's frame on the home route
 * (app/CabinetRoutes), so the home costs one query.
 */
export const ChildHomeFields = graphql(`
  fragment ChildHomeFields on Student {
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
`);
