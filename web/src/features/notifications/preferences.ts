/**
 * The preferences form: which kinds each channel carries, the language, the quiet hours. Quiet hours are typed
 * as text ("22:00"): an empty field is "none" and nothing else is ever filled in for the parent (R-WEB-3's rule
 * for dates, here for times) - a half-typed time is refused here rather than sent as something it was not.
 */
import type { NotificationKind, NotificationPreferencesInput } from "../../gql/graphql";

/** What a family is told (staff's kinds - new leads, questions asked - are for the staff's cabinet). */
export type FamilyKind = Exclude<NotificationKind, "LEAD_CREATED" | "QUESTION_ASKED">;

export const KINDS: readonly FamilyKind[] = [
  "LESSON_SCHEDULED", "LESSON_MOVED", "LESSON_CANCELLED", "LESSON_CHARGED", "PAYMENT_RECEIVED", "LOW_BALANCE",
  "SUBSCRIPTION_ENDING", "SUBSCRIPTION_ENDED", "GRADE_POSTED", "HOMEWORK_ASSIGNED", "QUESTION_ANSWERED",
];

export type Channel = "cabinet" | "email" | "sms";
export const CHANNELS: readonly Channel[] = ["cabinet", "email", "sms"];

export interface PreferencesForm {
  /** "" : the school's default language */
  language: "" | "ru" | "en";
  kinds: Record<Channel, ReadonlySet<NotificationKind>>;
  quietFrom: string;
  quietTo: string;
}

export interface ServerPreferences {
  language: string | null;
  cabinet: readonly NotificationKind[];
  email: readonly NotificationKind[];
  sms: readonly NotificationKind[];
  quietFrom: string | null;
  quietTo: string | null;
}

export function formOf(p: ServerPreferences): PreferencesForm {
  const language = p.language === "ru" || p.language === "en" ? p.language : "";
  return {
    language,
    kinds: { cabinet: new Set(p.cabinet), email: new Set(p.email), sms: new Set(p.sms) },
    quietFrom: p.quietFrom ?? "",
    quietTo: p.quietTo ?? "",
  };
}

export function toggled(form: PreferencesForm, channel: Channel, kind: NotificationKind, on: boolean): PreferencesForm {
  const next = new Set(form.kinds[channel]);
  if (on) next.add(kind);
  else next.delete(kind);
  return { ...form, kinds: { ...form.kinds, [channel]: next } };
}

/** A time of day as typed: "" (none), "HH:MM", "H:MM", "HH.MM" or "HHMM"; anything else is not a time. */
export function parseClock(text: string): { ok: true; value: string | null } | { ok: false } {
  const s = text.trim();
  if (s === "") return { ok: true, value: null };
  const m = /^(\d{1,2})[:.]?(\d{2})$/.exec(s);
  if (!m) return { ok: false };
  const h = Number(m[1]), min = Number(m[2]);
  if (h > 23 || min > 59) return { ok: false };
  return { ok: true, value: `${String(h).padStart(2, "0")}:${String(min).padStart(2, "0")}` };
}

export type FormProblem = "quietFrom" | "quietTo";

/**
 * The mutation's input, or the fields that are not times. One bound without the other, or equal bounds, are
 * sent as they are: the server refuses them with its typed error, which the form shows (one rule, one place).
 */
export function inputOf(form: PreferencesForm): { ok: true; input: NotificationPreferencesInput } | {
  ok: false; problems: FormProblem[];
} {
  const from = parseClock(form.quietFrom), to = parseClock(form.quietTo);
  const problems: FormProblem[] = [];
  if (!from.ok) problems.push("quietFrom");
  if (!to.ok) problems.push("quietTo");
  if (!from.ok || !to.ok) return { ok: false, problems };
  const sorted = (kinds: ReadonlySet<NotificationKind>) => KINDS.filter((k) => kinds.has(k));
  return {
    ok: true,
    input: {
      language: form.language || null,
      cabinet: sorted(form.kinds.cabinet),
      email: sorted(form.kinds.email),
      sms: sorted(form.kinds.sms),
      quietFrom: from.value,
      quietTo: to.value,
    },
  };
}
