import { describe, expect, it } from "vitest";
import { channelsFor, formOf, inputOf, parseClock, toggled } from "./preferences";

const SERVER = {
  language: null, cabinet: ["GRADE_POSTED", "LESSON_MOVED"] as const, email: ["PAYMENT_RECEIVED"] as const,
  sms: [] as const, telegram: ["LOW_BALANCE"] as const, telegramLinked: false, quietFrom: null, quietTo: null,
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
      telegram: null, quietFrom: null, quietTo: null,
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

describe("staff and Telegram", () => {
  const STAFF = {
    language: "ru", cabinet: ["LEAD_CREATED", "QUESTION_ASKED"] as const, email: [] as const, sms: [] as const,
    telegram: ["LEAD_CREATED", "QUESTION_ASKED"] as const, telegramLinked: true, quietFrom: null, quietTo: null,
  };

  it("shows Telegram only once a chat is linked, and SMS never to staff", () => {
    expect(channelsFor("family", false)).toEqual(["cabinet", "email", "sms"]);
    expect(channelsFor("family", true)).toEqual(["cabinet", "email", "sms", "telegram"]);
    expect(channelsFor("staff", false)).toEqual(["cabinet", "email"]);
    expect(channelsFor("staff", true)).toEqual(["cabinet", "email", "telegram"]);
  });

  it("sends staff's kinds only, no SMS, and Telegram's while linked", () => {
    let form = formOf(STAFF);
    form = toggled(form, "telegram", "QUESTION_ASKED", false);
    form = toggled(form, "email", "LEAD_CREATED", true);
    form = toggled(form, "email", "GRADE_POSTED", true); // not a staff kind: never sent
    expect(inputOf(form, "staff")).toEqual({ ok: true, input: {
      language: "ru", cabinet: ["LEAD_CREATED", "QUESTION_ASKED"], email: ["LEAD_CREATED"], sms: [],
      telegram: ["LEAD_CREATED"], quietFrom: null, quietTo: null,
    } });
  });

  it("leaves Telegram's kinds as they are while no chat is linked", () => {
    const got = inputOf(formOf({ ...STAFF, telegramLinked: false }), "staff");
    expect(got.ok && got.input.telegram).toBeNull();
  });
});
