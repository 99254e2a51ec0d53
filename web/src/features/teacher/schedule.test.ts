import { describe, expect, it } from "vitest";
import { shiftDate, weekAhead, zoneFinder } from "./schedule";

const zoneOf = zoneFinder([{ id: "msk", timeZone: "Europe/Moscow" }, { id: "kgd", timeZone: "Europe/Kaliningrad" }]);
const lesson = (id: string, startsAt: string, branchId = "msk") => ({ id, startsAt, branchId });

describe("weekAhead", () => {
  const now = new Date("2026-12-07T20:30:00Z"); // Monday 23:30 in Moscow, 22:30 in Kaliningrad

  it("groups today's and the next seven days' lessons by the branch's date, in start order", () => {
    const days = weekAhead([
      lesson("wed", "2026-12-09T14:00:00Z"),
      lesson("today", "2026-12-07T14:00:00Z"),
      lesson("yesterday", "2026-12-06T14:00:00Z"),
      lesson("in 7 days", "2026-12-14T14:00:00Z"),
      lesson("in 8 days", "2026-12-15T14:00:00Z"),
      lesson("late today", "2026-12-07T20:45:00Z"),
    ], zoneOf, now);
    expect(days.map((d) => [d.date, d.today, d.lessons.map((l) => l.id)])).toEqual([
      ["2026-12-07", true, ["today", "late today"]],
      ["2026-12-09", false, ["wed"]],
      ["2026-12-14", false, ["in 7 days"]],
    ]);
  });

  it("uses each lesson's branch zone, never the phone's", () => {
    // 21:30 UTC: already Tuesday in Moscow, still Monday in Kaliningrad
    const days = weekAhead([lesson("m", "2026-12-07T21:30:00Z"), lesson("k", "2026-12-07T21:30:00Z", "kgd")],
      zoneOf, now);
    expect(days.map((d) => [d.date, d.lessons.map((l) => l.id)])).toEqual([
      ["2026-12-07", ["k"]], ["2026-12-08", ["m"]],
    ]);
    expect(zoneOf("unknown")).toBe("Europe/Moscow");
  });

  it("shifts calendar dates across months and years", () => {
    expect(shiftDate("2026-12-28", 7)).toBe("2027-01-04");
    expect(shiftDate("2027-03-01", -1)).toBe("2027-02-28");
  });
});
