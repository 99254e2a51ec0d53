import { describe, expect, it } from "vitest";
import { digitsOnly, EMPTY_DATE, parseBirthDate } from "./birthdate";

const today = new Date("2026-12-06T12:00:00Z");

describe("birth date input", () => {
  it("starts empty: no day, month or year is filled in", () => {
    expect(EMPTY_DATE).toEqual({ day: "", month: "", year: "" });
    expect(parseBirthDate(EMPTY_DATE, today)).toEqual({ ok: false, problem: "incomplete" });
  });

  it("never completes a missing year or month", () => {
    expect(parseBirthDate({ day: "12", month: "05", year: "" }, today)).toEqual({ ok: false, problem: "incomplete" });
    expect(parseBirthDate({ day: "12", month: "", year: "2014" }, today)).toEqual({ ok: false, problem: "incomplete" });
    // a two-digit year is not guessed into 19xx or 20xx
    expect(parseBirthDate({ day: "12", month: "05", year: "14" }, today)).toEqual({ ok: false, problem: "incomplete" });
  });

  it("gives the ISO date of a whole, real date", () => {
    expect(parseBirthDate({ day: "12", month: "5", year: "2014" }, today)).toEqual({ ok: true, iso: "2014-05-12" });
    expect(parseBirthDate({ day: "29", month: "02", year: "2012" }, today)).toEqual({ ok: true, iso: "2012-02-29" });
  });

  it("refuses dates that do not exist or are in the future", () => {
    expect(parseBirthDate({ day: "29", month: "02", year: "2013" }, today)).toEqual({ ok: false, problem: "invalid" });
    expect(parseBirthDate({ day: "31", month: "04", year: "2015" }, today)).toEqual({ ok: false, problem: "invalid" });
    expect(parseBirthDate({ day: "1", month: "13", year: "2015" }, today)).toEqual({ ok: false, problem: "invalid" });
    expect(parseBirthDate({ day: "0", month: "1", year: "2015" }, today)).toEqual({ ok: false, problem: "invalid" });
    expect(parseBirthDate({ day: "7", month: "12", year: "2026" }, today)).toEqual({ ok: false, problem: "future" });
    expect(parseBirthDate({ day: "1", month: "1", year: "1900" }, today)).toEqual({ ok: false, problem: "too_old" });
  });

  it("keeps only digits while typing, up to the field's length", () => {
    expect(digitsOnly("1a2b3", 2)).toBe("12");
    expect(digitsOnly("20144", 4)).toBe("2014");
    expect(digitsOnly("", 4)).toBe("");
  });
});
