import type { LeadFieldsFragment, LeadFunnelQuery, LeadInput, LeadSource, LeadStage } from "../../gql/graphql";
import { EMPTY_DATE, parseBirthDate, type DateParts, type DateProblem } from "../../lib/birthdate";

/**
 * Leads (R-CRM-1, R-CRM-2) as the admin's screens handle them: the pipeline's order, the form a lead is written in
 * (the child's age or birth date required; nothing filled in for the admin, R-WEB-3), the history's lines and the
 * month's funnel. The rules themselves are identity's; these only say them on screen before a request.
 */

/** The open pipeline, in order: WON is winLead's, LOST is "lose with a reason". */
export const PIPELINE: readonly LeadStage[] = ["NEW", "CONTACTED", "TRIAL_BOOKED", "TRIAL_ATTENDED"];
export const STAGES: readonly LeadStage[] = [...PIPELINE, "WON", "LOST"];
export const SOURCES: readonly LeadSource[] = ["SITE", "CALL", "WALK_IN", "REFERRAL", "SOCIAL", "OTHER"];

export function isOpen(stage: LeadStage): boolean {
  return stage !== "WON" && stage !== "LOST";
}

/** The next stage "forward" moves to; null after the trial (then the lead is won) and for a closed lead. */
export function nextStage(stage: LeadStage): LeadStage | null {
  const i = PIPELINE.indexOf(stage);
  return i >= 0 && i < PIPELINE.length - 1 ? PIPELINE[i + 1] ?? null : null;
}

/** identity searches leads by at most this many characters (a longer search is refused): the box sends no more. */
export const MAX_SEARCH = 100;
/** How many leads a page of the list holds ("show more" asks for the next one). */
export const LEADS_PAGE = 20;

/** What the search box sends: spaces collapsed and trimmed, at most MAX_SEARCH characters; "" is no search. */
export function searchText(typed: string): string {
  return typed.split(/\s+/).filter(Boolean).join(" ").slice(0, MAX_SEARCH).trim();
}

/** The list's address (`?stage=…&q=…`), each part only when set: a card's "back" returns to the same list. */
export function listParams(stage: LeadStage | null, search: string): Record<string, string> {
  const q = searchText(search);
  return { ...(stage ? { stage } : {}), ...(q ? { q } : {}) };
}

/** How many leads the list shows once `page` (0-based) is loaded: every earlier page was a full one. */
export function shownThrough(page: number, onPage: number): number {
  return page * LEADS_PAGE + onPage;
}

/** A stage from the address (`?stage=…`), or null for "all stages" (anything else is not a stage). */
export function stageFromParam(value: string | null): LeadStage | null {
  return STAGES.find((s) => s === value) ?? null;
}

export interface LeadForm {
  contactFirstName: string;
  contactLastName: string;
  phone: string;
  email: string;
  childFirstName: string;
  childLastName: string;
  birth: DateParts;
  childAge: string;
  interest: string;
  source: LeadSource | "";
  sourceDetail: string;
  assignedStaffId: string;
  notes: string;
}

export const EMPTY_LEAD_FORM: LeadForm = {
  contactFirstName: "", contactLastName: "", phone: "", email: "", childFirstName: "", childLastName: "",
  birth: EMPTY_DATE, childAge: "", interest: "", source: "", sourceDetail: "", assignedStaffId: "", notes: "",
};

export type LeadProblem =
  | "required" | "phone" | "age" | "ageOrBirth" | `birth.${DateProblem}`;
export type LeadField = "contactFirstName" | "phone" | "childFirstName" | "source" | "childAge" | "birth";
export type LeadProblems = Partial<Record<LeadField, LeadProblem>>;
export type ParsedLead = { ok: true; input: LeadInput } | { ok: false; problems: LeadProblems };

// identity keeps a child's age 1..25 (INVALID_CHILD_AGE otherwise): said here before sending.
const MIN_AGE = 1;
const MAX_AGE = 25;

const blankToNull = (text: string): string | null => (text.trim() ? text.trim() : null);

/** The form as LeadInput, or what is missing. A birth date, when any part of it is typed, must be whole and
 * real (and then it is what is sent: it sets the age); otherwise the age is required. */
export function leadInput(form: LeadForm, today: Date = new Date()): ParsedLead {
  const problems: LeadProblems = {};
  if (!form.contactFirstName.trim()) problems.contactFirstName = "required";
  if (!form.phone.trim()) problems.phone = "required";
  else if (form.phone.replace(/\D/g, "").length < 10) problems.phone = "phone";
  if (!form.childFirstName.trim()) problems.childFirstName = "required";
  if (!form.source) problems.source = "required";
  const birthTyped = Boolean(form.birth.day || form.birth.month || form.birth.year);
  let childBirthDate: string | null = null;
  let childAge: number | null = null;
  if (birthTyped) {
    const parsed = parseBirthDate(form.birth, today);
    if (parsed.ok) childBirthDate = parsed.iso;
    else problems.birth = `birth.${parsed.problem}`;
  } else if (!form.childAge.trim()) {
    problems.childAge = "ageOrBirth";
  } else {
    const age = Number(form.childAge.trim());
    if (!/^\d{1,2}$/.test(form.childAge.trim()) || age < MIN_AGE || age > MAX_AGE) problems.childAge = "age";
    else childAge = age;
  }
  if (Object.keys(problems).length > 0 || !form.source) return { ok: false, problems };
  return {
    ok: true,
    input: {
      contactFirstName: form.contactFirstName.trim(),
      contactLastName: blankToNull(form.contactLastName),
      phone: form.phone.trim(),
      email: blankToNull(form.email),
      childFirstName: form.childFirstName.trim(),
      childLastName: blankToNull(form.childLastName),
      childBirthDate,
      childAge,
      interest: blankToNull(form.interest),
      source: form.source,
      sourceDetail: blankToNull(form.sourceDetail),
      assignedStaffId: form.assignedStaffId || null,
      notes: blankToNull(form.notes),
    },
  };
}

/** A lead's details back in the form, for an edit (updateLead rewrites all of them, as the form shows them). */
export function formFromLead(lead: LeadFieldsFragment): LeadForm {
  const birth = lead.childBirthDate?.split("-");
  return {
    contactFirstName: lead.contactFirstName, contactLastName: lead.contactLastName, phone: lead.phone,
    email: lead.email ?? "", childFirstName: lead.childFirstName, childLastName: lead.childLastName,
    birth: birth && birth.length === 3
      ? { day: String(Number(birth[2])), month: String(Number(birth[1])), year: birth[0] ?? "" } : EMPTY_DATE,
    childAge: !lead.childBirthDate && lead.childAge != null ? String(lead.childAge) : "",
    interest: lead.interest, source: lead.source, sourceDetail: lead.sourceDetail,
    assignedStaffId: lead.assignedStaffId ?? "", notes: lead.notes,
  };
}

export interface HistoryChange {
  fromStage: LeadStage | null;
  toStage: LeadStage;
  note: string;
}

/** What one line of a lead's history says; identity's notes are for logs ("edited: phone, notes"), so the
 * screen words them itself: the fields an edit changed are named by identity's field names. */
export type HistoryLine =
  | { kind: "created"; stage: LeadStage }
  | { kind: "moved"; from: LeadStage; to: LeadStage }
  | { kind: "lost"; from: LeadStage; reason: string }
  | { kind: "won"; from: LeadStage }
  | { kind: "edited"; fields: string[] }
  | { kind: "pending" }
  | { kind: "other"; note: string };

export function historyLine(change: HistoryChange): HistoryLine {
  const { fromStage: from, toStage: to, note } = change;
  if (from === null) return { kind: "created", stage: to };
  if (to === "LOST" && from !== "LOST") return { kind: "lost", from, reason: note };
  if (to === "WON" && from !== "WON") return { kind: "won", from };
  if (from !== to) return { kind: "moved", from, to };
  if (note.startsWith("edited")) {
    const fields = note.replace(/^edited:?/, "").split(",").map((f) => f.trim()).filter(Boolean);
    return { kind: "edited", fields };
  }
  if (note.startsWith("family asked to confirm")) return { kind: "pending" };
  return { kind: "other", note };
}

type Funnel = LeadFunnelQuery["leadFunnel"];

export interface FunnelRow {
  stage: LeadStage;
  reached: number;
  /** Of the month's leads, in whole percent (0 without leads). */
  share: number;
}

/** The funnel's stages in pipeline order, each with its share of the month's leads. */
export function funnelRows(funnel: Pick<Funnel, "created" | "stages">): FunnelRow[] {
  const order = (s: LeadStage) => STAGES.indexOf(s);
  return [...funnel.stages].sort((a, b) => order(a.stage) - order(b.stage)).map((s) => ({
    stage: s.stage, reached: s.reached,
    share: funnel.created > 0 ? Math.round((s.reached / funnel.created) * 100) : 0,
  }));
}

/** A share (0..1) as a whole percentage, as the funnel shows its conversion. */
export function percent(share: number): number {
  return Math.round(share * 1000) / 10;
}

/** "Петя Смирнов", or "Петя" while the surname is not known (it is optional on a lead). */
export function fullName(first: string, last: string): string {
  return [first.trim(), last.trim()].filter(Boolean).join(" ");
}
