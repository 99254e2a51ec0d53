import { describe, expect, it } from "vitest";
import type { LeadFieldsFragment } from "../../gql/graphql";
import {
  EMPTY_LEAD_FORM, formFromLead, funnelRows, historyLine, LEADS_PAGE, leadInput, listParams, MAX_SEARCH, nextStage,
  percent, searchText, shownThrough, stageFromParam, type LeadForm,
} from "./leads";

const TODAY = new Date("2026-12-07T10:00:00Z");
const filled: LeadForm = {
  ...EMPTY_LEAD_FORM, contactFirstName: " Анна ", phone: "+7 900 123-45-67", childFirstName: "Петя", source: "CALL",
  childAge: "7",
};

describe("the pipeline", () => {
  it("moves forward one stage at a time, and after the trial the lead is won, not moved", () => {
    expect(nextStage("NEW")).toBe("CONTACTED");
    expect(nextStage("CONTACTED")).toBe("TRIAL_BOOKED");
    expect(nextStage("TRIAL_BOOKED")).toBe("TRIAL_ATTENDED");
    expect(nextStage("TRIAL_ATTENDED")).toBeNull();
    expect(nextStage("WON")).toBeNull();
    expect(nextStage("LOST")).toBeNull();
  });

  it("takes a stage from the address only when it is one", () => {
    expect(stageFromParam("TRIAL_BOOKED")).toBe("TRIAL_BOOKED");
    expect(stageFromParam("trial_booked")).toBeNull();
    expect(stageFromParam(null)).toBeNull();
  });
});

describe("the lead form", () => {
  it("refuses an empty form field by field: nothing is filled in for the admin, not even the source", () => {
    const parsed = leadInput(EMPTY_LEAD_FORM, TODAY);
    expect(parsed).toEqual({ ok: false, problems: {
      contactFirstName: "required", phone: "required", childFirstName: "required", source: "required",
      childAge: "ageOrBirth",
    } });
  });

  it("sends the age when no birth date is typed, trimmed, blanks as null", () => {
    const parsed = leadInput(filled, TODAY);
    expect(parsed).toEqual({ ok: true, input: {
      contactFirstName: "Анна", contactLastName: null, phone: "+7 900 123-45-67", email: null, childFirstName: "Петя",
      childLastName: null, childBirthDate: null, childAge: 7, interest: null, source: "CALL", sourceDetail: null,
      assignedStaffId: null, notes: null,
    } });
  });

  it("keeps the age to identity's 1..25", () => {
    for (const age of ["0", "26", "99"]) {
      expect(leadInput({ ...filled, childAge: age }, TODAY)).toEqual({ ok: false, problems: { childAge: "age" } });
    }
    expect(leadInput({ ...filled, childAge: "25" }, TODAY).ok).toBe(true);
  });

  it("a birth date typed in part is refused, never completed with a guessed year or month (R-WEB-3)", () => {
    const partial = { ...filled, childAge: "", birth: { day: "3", month: "5", year: "" } };
    expect(leadInput(partial, TODAY)).toEqual({ ok: false, problems: { birth: "birth.incomplete" } });
    const future = { ...filled, birth: { day: "1", month: "1", year: "2027" } };
    expect(leadInput(future, TODAY)).toEqual({ ok: false, problems: { birth: "birth.future" } });
    const impossible = { ...filled, birth: { day: "31", month: "2", year: "2019" } };
    expect(leadInput(impossible, TODAY)).toEqual({ ok: false, problems: { birth: "birth.invalid" } });
  });

  it("a whole birth date is sent instead of the age (it sets the age)", () => {
    const parsed = leadInput({ ...filled, childAge: "3", birth: { day: "3", month: "5", year: "2019" } }, TODAY);
    expect(parsed.ok && [parsed.input.childBirthDate, parsed.input.childAge]).toEqual(["2019-05-03", null]);
  });

  it("refuses a phone with too few digits before sending", () => {
    expect(leadInput({ ...filled, phone: "12-34" }, TODAY)).toEqual({ ok: false, problems: { phone: "phone" } });
  });

  it("puts a lead back in the form as it was, for an edit", () => {
    const lead = {
      contactFirstName: "Анна", contactLastName: "Смирнова", phone: "+79001234567", email: null,
      childFirstName: "Петя", childLastName: "", childBirthDate: "2019-05-03", childAge: 7, interest: "Английский",
      source: "SITE", sourceDetail: "", assignedStaffId: "s1", notes: "",
    } as unknown as LeadFieldsFragment;
    const form = formFromLead(lead);
    expect(form.birth).toEqual({ day: "3", month: "5", year: "2019" });
    expect(form.childAge).toBe("");
    expect(form.assignedStaffId).toBe("s1");
    const parsed = leadInput(form, TODAY);
    expect(parsed.ok && parsed.input).toMatchObject({
      contactLastName: "Смирнова", childBirthDate: "2019-05-03", source: "SITE", assignedStaffId: "s1",
      interest: "Английский",
    });
    expect(formFromLead({ ...lead, childBirthDate: null }).childAge).toBe("7");
  });
});

describe("a lead's history", () => {
  it("says what each change was, and which fields an edit changed", () => {
    expect(historyLine({ fromStage: null, toStage: "NEW", note: "" })).toEqual({ kind: "created", stage: "NEW" });
    expect(historyLine({ fromStage: "NEW", toStage: "CONTACTED", note: "" }))
      .toEqual({ kind: "moved", from: "NEW", to: "CONTACTED" });
    expect(historyLine({ fromStage: "CONTACTED", toStage: "LOST", note: "Дорого" }))
      .toEqual({ kind: "lost", from: "CONTACTED", reason: "Дорого" });
    expect(historyLine({ fromStage: "TRIAL_ATTENDED", toStage: "WON", note: "" }))
      .toEqual({ kind: "won", from: "TRIAL_ATTENDED" });
    expect(historyLine({ fromStage: "NEW", toStage: "NEW", note: "edited: notes, phone" }))
      .toEqual({ kind: "edited", fields: ["notes", "phone"] });
    expect(historyLine({ fromStage: "NEW", toStage: "NEW", note: "edited" })).toEqual({ kind: "edited", fields: [] });
    expect(historyLine({ fromStage: "NEW", toStage: "NEW", note: "family asked to confirm (c1)" }))
      .toEqual({ kind: "pending" });
  });
});

describe("the month's funnel", () => {
  it("lists the stages in pipeline order with their share of the month's leads", () => {
    const rows = funnelRows({ created: 3, stages: [
      { stage: "WON", reached: 1 }, { stage: "NEW", reached: 3 }, { stage: "CONTACTED", reached: 2 },
    ] } as never);
    expect(rows).toEqual([
      { stage: "NEW", reached: 3, share: 100 }, { stage: "CONTACTED", reached: 2, share: 67 },
      { stage: "WON", reached: 1, share: 33 },
    ]);
    expect(funnelRows({ created: 0, stages: [{ stage: "NEW", reached: 0 }] } as never)[0]?.share).toBe(0);
    expect(percent(1 / 3)).toBe(33.3);
    expect(percent(0)).toBe(0);
  });
});

describe("a lead change refused", () => {
  it("tells someone else's change first apart from other refusals, in the chosen language", async () => {
    const { refusalOf } = await import("./components/leadRefusal");
    const { loadLocale, translate } = await import("../../lib/i18n");
    await loadLocale("en");
    const stale = refusalOf({ code: "STALE_LEAD_REVISION", message: "stale" }, undefined);
    expect(stale.stale).toBe(true);
    expect(stale.say((k, p) => translate("ru", k, p))).toMatch(/изменил кто-то другой/);
    expect(stale.say((k, p) => translate("en", k, p))).toMatch(/Someone else has just changed/);
    const other = refusalOf({ code: "LOST_REASON_REQUIRED", message: "" }, undefined);
    expect(other.stale).toBe(false);
    expect(other.say((k, p) => translate("ru", k, p))).toBe("Укажите причину отказа.");
  });
});

describe("names on a lead", () => {
  it("leave out a surname not known yet", async () => {
    const { fullName } = await import("./leads");
    expect(fullName("Петя", "")).toBe("Петя");
    expect(fullName("Петя", "Смирнов")).toBe("Петя Смирнов");
  });
});

describe("the list's search and pages", () => {
  it("sends what was typed with spaces collapsed, never more than identity searches", () => {
    expect(searchText("  Ольга   Петрова ")).toBe("Ольга Петрова");
    expect(searchText(" \t ")).toBe("");
    expect(searchText("8 (912) 345-67-11")).toBe("8 (912) 345-67-11");
    const long = searchText(`${"а".repeat(MAX_SEARCH - 1)} б`);
    expect(long.length).toBeLessThanOrEqual(MAX_SEARCH);
    expect(long.endsWith(" ")).toBe(false);
  });

  it("keeps the stage and the search in the address only when set", () => {
    expect(listParams(null, "")).toEqual({});
    expect(listParams("NEW", "  ")).toEqual({ stage: "NEW" });
    expect(listParams(null, " Оля ")).toEqual({ q: "Оля" });
    expect(listParams("LOST", "912")).toEqual({ stage: "LOST", q: "912" });
  });

  it("counts the leads shown through a page: the pages before it were full", () => {
    expect(shownThrough(0, 3)).toBe(3);
    expect(shownThrough(2, 5)).toBe(2 * LEADS_PAGE + 5);
  });
});
