import { describe, expect, it } from "vitest";
import type { MonthLessonFieldsFragment } from "../../gql/graphql";
import { addAmounts, monthPlan, parsePrice } from "./monthPlan";

const rub = (amount: string) => ({ amount, currency: "RUB" });

function lesson(id: string, localDate: string, opts: Partial<MonthLessonFieldsFragment> = {}): MonthLessonFieldsFragment {
  return {
    id, localDate, startsAt: `${localDate}T14:00:00+00:00`, endsAt: `${localDate}T15:30:00+00:00`,
    status: "scheduled", published: false, kind: "GROUP", groupId: "g1", price: rub("1500.00"),
    participants: [
      { studentId: "s1", reason: "MEMBER", price: rub("1500.00") },
      { studentId: "s2", reason: "MEMBER", price: rub("1200.50") },
    ],
    ...opts,
  } as MonthLessonFieldsFragment;
}

describe("addAmounts", () => {
  it("adds decimal strings exactly", () => {
    expect(addAmounts(["0.10", "0.20"])).toBe("0.30");
    expect(addAmounts(["1500", "1200.5", "-0.01"])).toBe("2700.49");
    expect(addAmounts([])).toBe("0.00");
    expect(addAmounts(["-5.00"])).toBe("-5.00");
  });
});

describe("monthPlan", () => {
  it("keeps the month's lessons by their day in the branch's zone, drafts apart from published ones", () => {
    const plan = monthPlan([
      lesson("late", "2027-01-20"),
      lesson("early", "2027-01-06", { published: true }),
      lesson("december", "2026-12-31"),
      lesson("feb", "2027-02-01"),
      lesson("off", "2027-01-13", { status: "cancelled" }),
      lesson("mid", "2027-01-13"),
    ], "2027-01");
    expect(plan.lessons.map((l) => l.id)).toEqual(["early", "off", "mid", "late"]);
    expect(plan.drafts.map((l) => l.id)).toEqual(["mid", "late"]);
    expect(plan.published.map((l) => l.id)).toEqual(["early"]);
    // two drafts, two children each: 2 x (1500.00 + 1200.50); the cancelled one charges nothing
    expect(plan.draftTotal).toBe("5401.00");
    expect(plan.currency).toBe("RUB");
  });

  it("an empty month has nothing to publish", () => {
    const plan = monthPlan([], "2027-01", "KZT");
    expect(plan.drafts).toEqual([]);
    expect(plan.draftTotal).toBe("0.00");
    expect(plan.currency).toBe("KZT");
  });
});

describe("parsePrice", () => {
  it("reads a price as typed, with a comma or a point and spaces between thousands", () => {
    expect(["950", "950.5", "950,50", "1 200", "1\u00a0200,00", "0", "007"].map(parsePrice))
      .toEqual(["950.00", "950.50", "950.50", "1200.00", "1200.00", "0.00", "7.00"]);
  });

  it("refuses what is not a price rather than guessing", () => {
    expect(["", "-5", "9.999", "1e3", "abc", "12.", ".5", "1,2,3"].map(parsePrice))
      .toEqual([null, null, null, null, null, null, null, null]);
  });
});
