import { describe, expect, it } from "vitest";
import { canStillCancel } from "./time";

describe("canStillCancel", () => {
  const until = "2027-03-09T09:00:00+00:00";
  it("allows cancelling before the deadline only", () => {
    expect(canStillCancel(until, new Date("2027-03-09T08:59:59Z"))).toBe(true);
    expect(canStillCancel(until, new Date("2027-03-09T09:00:00Z"))).toBe(false);
    expect(canStillCancel(until, new Date("2027-03-10T00:00:00Z"))).toBe(false);
  });
  it("refuses when the API says the lesson cannot be cancelled", () => {
    expect(canStillCancel(null, new Date("2020-01-01T00:00:00Z"))).toBe(false);
    expect(canStillCancel(undefined)).toBe(false);
  });
});
