import { graphql } from "../gql";
import type { CabinetQueryVariables } from "../gql/graphql";
import { addDays, thisHour } from "../lib/time";

/**
 * The cabinet's one query: the family's frame (children for the switch, the balance) and, on a child's home,
 * that child's home data - so opening the home is one request.
 */
export const Cabinet = graphql(`
  query Cabinet($studentId: ID!, $withHome: Boolean!, $from: DateTime!, $to: DateTime!) {
    myFamily { ...FamilyFrame }
    student(id: $studentId) @include(if: $withHome) { ...ChildHomeFields }
  }
`);

const EPOCH = "1970-01-01T00:00:00Z";

/** Every screen but a child's home shares these variables, hence one cached frame. */
export const FRAME_ONLY: CabinetQueryVariables = { studentId: "", withHome: false, from: EPOCH, to: EPOCH };

export function homeVariables(studentId: string): CabinetQueryVariables {
  const from = thisHour();
  return { studentId, withHome: true, from: from.toISOString(), to: addDays(from, 60).toISOString() };
}
