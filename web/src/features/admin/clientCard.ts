import type { ClientCardQuery } from "../../gql/graphql";

type Family = NonNullable<ClientCardQuery["family"]>;
type Group = ClientCardQuery["groups"][number];
type Membership = Group["memberships"][number];

export interface ProgrammeRow {
  membership: Membership;
  group: string;
  studentId: string;
  /** Where the child went on from this group (a transfer), by the new membership's group's name. */
  transferredTo: string | null;
}

export interface MakeupRow {
  lessonId: string;
  startsAt: string;
  localDate: string;
  branchId: string;
  group: string | null;
  studentId: string;
}

/** The family's programmes: each membership of one of its children in a group, current first, newest first. */
export function programmes(family: Pick<Family, "id">, groups: readonly Group[]): ProgrammeRow[] {
  // transferredTo names the membership the child moved to, not the group: its group's name is what staff read.
  const names = new Map(groups.flatMap((g) => g.memberships.map((m) => [m.id, g.name] as const)));
  const rows = groups.flatMap((g) => g.memberships.filter((m) => m.familyId === family.id).map((m) => ({
    membership: m, group: g.name, studentId: m.studentId,
    transferredTo: m.transferredTo ? names.get(m.transferredTo) ?? null : null,
  })));
  const ended = (r: ProgrammeRow) => (r.membership.endsOn ? 1 : 0);
  return rows.sort((a, b) => ended(a) - ended(b) || b.membership.startsOn.localeCompare(a.membership.startsOn));
}

/** Transfers between groups: the memberships that ended by moving to another group. */
export function transfers(rows: readonly ProgrammeRow[]): ProgrammeRow[] {
  return rows.filter((r) => r.membership.transferredTo);
}

/** Make-ups (отработки): the family's children on a lesson as a make-up, newest first. */
export function makeups(family: Pick<Family, "id" | "lessons">, groups: readonly Group[]): MakeupRow[] {
  const names = new Map(groups.map((g) => [g.id, g.name]));
  return family.lessons.edges.flatMap(({ node }) => node.participants
    .filter((p) => p.familyId === family.id && p.reason === "MAKEUP")
    .map((p) => ({
      lessonId: node.id, startsAt: node.startsAt, localDate: node.localDate, branchId: node.branchId,
      group: node.groupId ? names.get(node.groupId) ?? null : null, studentId: p.studentId,
    })))
    .sort((a, b) => b.startsAt.localeCompare(a.startsAt));
}

/** The client list's search: by a child's or a parent's name (either order, ё as е) or by the phone's digits. */
export function matchesClient(family: {
  guardianPhone: string; guardians: readonly { firstName: string; lastName: string }[];
  students: readonly { firstName: string; lastName: string }[];
}, query: string): boolean {
  const words = normalise(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const digits = query.replace(/\D/g, "");
  if (digits.length >= 3 && digits.length === query.replace(/[\s()+-]/g, "").length) {
    return family.guardianPhone.replace(/\D/g, "").includes(digits);
  }
  const people = [...family.guardians, ...family.students].map((p) => normalise(`${p.firstName} ${p.lastName}`));
  return people.some((name) => words.every((w) => name.split(" ").some((part) => part.startsWith(w))));
}

function normalise(text: string): string {
  return text.toLocaleLowerCase("ru").replace(/ё/g, "е").trim();
}
