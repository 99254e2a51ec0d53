import { describe, expect, it } from "vitest";
import { inMonth, monthFromParam, monthParts, monthQueryRange, parseMonth } from "./month";

describe("parseMonth", () => {
  it("needs both a month and a four-digit year: nothing is assumed", () => {
    expect(parseMonth({ month: "", year: "" })).toEqual({ ok: false, problem: "incomplete" });
    expect(parseMonth({ month: "3", year: "" })).toEqual({ ok: false, problem: "incomplete" });
    expect(parseMonth({ month: "", year: "2027" })).toEqual({ ok: false, problem: "incomplete" });
    expect(parseMonth({ month: "3", year: "27" })).toEqual({ ok: false, problem: "incomplete" });
  });

  it("refuses what is not a month of a plausible year", () => {
    expect(parseMonth({ month: "13", year: "2027" })).toEqual({ ok: false, problem: "invalid" });
    expect(parseMonth({ month: "0", year: "2027" })).toEqual({ ok: false, problem: "invalid" });
    expect(parseMonth({ month: "3", year: "1027" })).toEqual({ ok: false, problem: "invalid" });
    expect(parseMonth({ month: "3", year: "20x7" })).toEqual({ ok: false, problem: "invalid" });
  });

  it("gives YYYY-MM", () => {
    expect(parseMonth({ month: "3", year: "2027" })).toEqual({ ok: true, month: "2027-03" });
    expect(parseMonth({ month: "12", year: "2026" })).toEqual({ ok: true, month: "2026-12" });
  });
});

describe("monthFromParam", () => {
  it("takes only a well-formed month from the address, never a guess", () => {
    expect(monthFromParam("2027-01")).toBe("2027-01");
    expect(["", "2027-1", "2027-13", "27-01", "2027-01-05", "1900-01", null].map((v) => monthFromParam(v)))
      .toEqual([null, null, null, null, null, null, null]);
  });

  it("round-trips through the picker's fields", () => {
    expect(monthParts("2027-01")).toEqual({ month: "1", year: "2027" });
    expect(monthParts(null)).toEqual({ month: "", year: "" });
  });
});

describe("monthQueryRange", () => {
  it("covers the month with a day either side, whatever the branch's zone", () => {
    expect(monthQueryRange("2026-12")).toEqual({ from: "2026-11-30T00:00:00.000Z", to: "2027-01-02T00:00:00.000Z" });
    expect(monthQueryRange("2027-02")).toEqual({ from: "2027-01-31T00:00:00.000Z", to: "2027-03-02T00:00:00.000Z" });
  });

  it("keeps a lesson by its day in the branch's zone", () => {
    expect(inMonth("2027-01-01", "2027-01")).toBe(true);
    expect(inMonth("2026-12-31", "2027-01")).toBe(false);
    expect(inMonth("2027-010", "2027-01")).toBe(false);
  });
});
