import { describe, expect, it } from "vitest";
import { groupStatement, olderCursor, reasonKey, withOlder, type StatementLineData } from "./statement";

function line(id: string, at: string, amount: string, studentId: string | null = null, kind = "lesson_charge"): StatementLineData {
  return {
    id, at, kind, description: id, lessonsDelta: 0, studentId,
    amount: { amount, currency: "RUB" }, balanceAfter: { amount: "0", currency: "RUB" },
  };
}

describe("statement grouping", () => {
  const lines = [
    line("a", "2026-12-01T10:00:00Z", "-1200.00", "masha"),
    line("b", "2026-12-01T20:59:00Z", "-1400.00", "petya"),
    line("c", "2026-12-01T21:01:00Z", "5000.00", null, "payment"), // 00:01 on 2 Dec in Moscow
    line("d", "2026-12-03T09:00:00Z", "-0.10", "masha"),
  ];

  it("groups by the branch's calendar day, newest day and line first", () => {
    const days = groupStatement(lines, "Europe/Moscow");
    expect(days.map((d) => d.date)).toEqual(["2026-12-03", "2026-12-02", "2026-12-01"]);
    expect(days[2]!.lines.map((l) => l.id)).toEqual(["b", "a"]);
    expect(days[1]!.lines.map((l) => l.id)).toEqual(["c"]);
  });

  it("uses the zone: the same instants fall on other days in Kaliningrad", () => {
    const days = groupStatement(lines, "Europe/Kaliningrad");
    expect(days.map((d) => d.date)).toEqual(["2026-12-03", "2026-12-01"]);
    expect(days[1]!.lines.map((l) => l.id)).toEqual(["c", "b", "a"]);
  });

  it("sums a day's money exactly to the kopeck", () => {
    const days = groupStatement([line("x", "2026-12-01T10:00:00Z", "0.10"), line("y", "2026-12-01T11:00:00Z", "0.20")], "UTC");
    expect(days[0]!.total).toBe(0.3);
  });

  it("filters one child's lines and keeps the family's own (payments)", () => {
    const days = groupStatement(lines, "Europe/Moscow", "masha");
    expect(days.flatMap((d) => d.lines.map((l) => l.id))).toEqual(["d", "c", "a"]);
  });

  it("names every kind of line, unknown kinds included", () => {
    expect(reasonKey("lesson_charge")).toBe("money.kind.lesson_charge");
    expect(reasonKey("adjustment")).toBe("money.kind.adjustment");
    expect(reasonKey("something_new")).toBe("money.kind.other");
  });
});

describe("statement paging, newest first", () => {
  const newest = [line("e", "2026-12-05T10:00:00Z", "-1.00"), line("d", "2026-12-04T10:00:00Z", "-1.00")];

  it("asks for older lines only while the page says there are more", () => {
    expect(olderCursor({ hasNextPage: true, endCursor: "41" })).toBe("41");
    expect(olderCursor({ hasNextPage: false, endCursor: "41" })).toBeNull();
    expect(olderCursor({ hasNextPage: true, endCursor: null })).toBeNull();
    expect(olderCursor(undefined)).toBeNull();
  });

  it("puts older pages after the newest one, each line once", () => {
    const older = [line("d", "2026-12-04T10:00:00Z", "-1.00"), line("c", "2026-12-03T10:00:00Z", "-1.00")];
    expect(withOlder(newest, [older]).map((l) => l.id)).toEqual(["e", "d", "c"]);
    expect(withOlder(newest, []).map((l) => l.id)).toEqual(["e", "d"]);
  });
});
