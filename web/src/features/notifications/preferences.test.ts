import { describe, expect, it } from "vitest";
import { formOf, inputOf, parseClock, toggled } from "./preferences";

const SERVER = {
  language: null, cabinet: ["GRADE_POSTED", "LESSON_MOVED"] as const, email: ["PAYMENT_RECEIVED"] as const,
  sms: [] as const, quietFrom: null, quietTo: null,
};

describe("quiet hours as typed", () => {
  it("accepts a time of day in the usual ways and nothing else", () => {
    expect(parseClock("")).toEqual({ ok: true, value: null });
    expect(parseClock(" 22:00 ")).toEqual({ ok: true, value: "22:00" });
    expect(parseClock("8:30")).toEqual({ ok: true, value: "08:30" });
    expect(parseClock("07.15")).toEqual({ ok: true, value: "07:15" });
    expect(parseClock("0700")).toEqual({ ok: true, value: "07:00" });
    for (const bad of ["22", "22:", "24:00", "12:60", "7:5", "ab:cd", "22:00:00"]) {
      expect(parseClock(bad)).toEqual({ ok: false });
    }
  });
});

describe("the preferences form", () => {
  it("starts from the server's choices, never from a default of its own", () => {
    const form = formOf(SERVER);
    expect(form.language).toBe("");
    expect(form.quietFrom).toBe("");
    expect(form.quietTo).toBe("");
    expect([...form.kinds.cabinet]).toEqual(["GRADE_POSTED", "LESSON_MOVED"]);
  });

  it("sends the kinds in one order, the language or null, and empty quiet hours as none", () => {
    let form = formOf(SERVER);
    form = toggled(form, "sms", "LOW_BALANCE", true);
    form = toggled(form, "cabinet", "GRADE_POSTED", false);
    form = { ...form, language: "en" };
    expect(inputOf(form)).toEqual({ ok: true, input: {
      language: "en", cabinet: ["LESSON_MOVED"], email: ["PAYMENT_RECEIVED"], sms: ["LOW_BALANCE"],
      quietFrom: null, quietTo: null,
    } });
  });

  it("refuses a half-typed time instead of sending it as none", () => {
    const form = { ...formOf(SERVER), quietFrom: "22", quietTo: "8:00" };
    expect(inputOf(form)).toEqual({ ok: false, problems: ["quietFrom"] });
  });

  it("leaves one bound without the other to the server's typed error", () => {
    const got = inputOf({ ...formOf(SERVER), quietFrom: "22:00" });
    expect(got.ok && got.input.quietFrom === "22:00" && got.input.quietTo === null).toBe(true);
  });
});
