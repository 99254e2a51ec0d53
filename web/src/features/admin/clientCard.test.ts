import { describe, expect, it } from "vitest";
import type { ClientCardQuery } from "../../gql/graphql";
import { makeups, matchesClient, programmes, transfers } from "./clientCard";

type Group = ClientCardQuery["groups"][number];
type Family = NonNullable<ClientCardQuery["family"]>;

const membership = (id: string, groupId: string, studentId: string, familyId: string, startsOn: string,
  extra: Partial<Group["memberships"][number]> = {}) =>
  ({ __typename: "GroupMembership", id, groupId, studentId, familyId, startsOn, endsOn: null, reason: "MEMBER",
    transferredTo: null, ...extra }) as Group["memberships"][number];

const groups: Group[] = [
  { __typename: "Group", id: "g1", name: "Starters", branchId: "b1", memberships: [
    membership("m1", "g1", "s1", "f1", "2026-09-01", { endsOn: "2026-11-30", transferredTo: "m2" }),
    membership("m9", "g1", "x1", "other", "2026-09-01"),
  ] },
  { __typename: "Group", id: "g2", name: "Movers", branchId: "b1", memberships: [
    membership("m2", "g2", "s1", "f1", "2026-12-01"),
    membership("m3", "g2", "s2", "f1", "2026-10-01"),
  ] },
];

describe("programmes and transfers", () => {
  it("lists only this family's memberships, current ones first, newest first, with the group a transfer went to", () => {
    const rows = programmes({ id: "f1" }, groups);
    expect(rows.map((r) => r.membership.id)).toEqual(["m2", "m3", "m1"]);
    expect(rows.find((r) => r.membership.id === "m1")?.transferredTo).toBe("Movers");
    expect(transfers(rows).map((r) => [r.studentId, r.group, r.transferredTo])).toEqual([["s1", "Starters", "Movers"]]);
  });
});

describe("makeups", () => {
  it("keeps the family's children who came as a make-up, not members or other families", () => {
    const lessons = { __typename: "LessonConnection", edges: [
      { node: { id: "l1", startsAt: "2026-11-02T14:00:00Z", localDate: "2026-11-02", branchId: "b1", groupId: "g2",
        kind: "GROUP", status: "conducted", participants: [
          { studentId: "s1", familyId: "f1", reason: "MAKEUP" },
          { studentId: "s2", familyId: "f1", reason: "MEMBER" },
          { studentId: "x1", familyId: "other", reason: "MAKEUP" }] } },
      { node: { id: "l2", startsAt: "2026-11-20T14:00:00Z", localDate: "2026-11-20", branchId: "b1", groupId: null,
        kind: "MAKEUP", status: "scheduled", participants: [{ studentId: "s2", familyId: "f1", reason: "MAKEUP" }] } },
    ] } as unknown as Family["lessons"];
    expect(makeups({ id: "f1", lessons }, groups).map((r) => [r.lessonId, r.studentId, r.group]))
      .toEqual([["l2", "s2", null], ["l1", "s1", "Movers"]]);
  });
});

describe("matchesClient", () => {
  const family = { guardianPhone: "+79000000001", guardians: [{ firstName: "Anna", lastName: "Petrova" }],
    students: [{ firstName: "Алёна", lastName: "Петрова" }] };

  it("finds by any name's start, in any order, ё as е", () => {
    expect(["", "anna", "petrova anna", "алена", "Алёна Пет", "пет"].map((q) => matchesClient(family, q)))
      .toEqual([true, true, true, true, true, true]);
    expect(["ivan", "anna ivanova", "ова"].map((q) => matchesClient(family, q))).toEqual([false, false, false]);
  });

  it("finds by the phone's digits however typed", () => {
    expect(["+7 900 000-00-01", "0001", "(900) 000"].map((q) => matchesClient(family, q))).toEqual([true, true, true]);
    expect(matchesClient(family, "0002")).toBe(false);
  });
});
