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

/** What staff (branch admins, teachers) are told: a new lead, a family's question. */
export type StaffKind = Extract<NotificationKind, "LEAD_CREATED" | "QUESTION_ASKED">;
export const STAFF_KINDS: readonly StaffKind[] = ["LEAD_CREATED", "QUESTION_ASKED"];

/** Whose settings: a family's or a staff member's (their kinds, and staff have no phone in Kabinet: no SMS). */
export type Audience = "family" | "staff";

export function kindsFor(audience: Audience): readonly NotificationKind[] {
  return audience === "staff" ? STAFF_KINDS : KINDS;
}

export type Channel = "cabinet" | "email" | "sms" | "telegram";
export const CHANNELS: readonly Channel[] = ["cabinet", "email", "sms", "telegram"];

/** The form's columns: Telegram only once a chat is linked (nothing goes there before), SMS never for staff. */
export function channelsFor(audience: Audience, telegramLinked: boolean): Channel[] {
  return CHANNELS.filter((c) => (c !== "sms" || audience === "family") && (c !== "telegram" || telegramLinked));
}

export interface PreferencesForm {
  /** "" : the school's default language */
  language: "" | "ru" | "en";
  kinds: Record<Channel, ReadonlySet<NotificationKind>>;
  telegramLinked: boolean;
  quietFrom: string;
  quietTo: string;
}

export interface ServerPreferences {
  language: string | null;
  cabinet: readonly NotificationKind[];
  email: readonly NotificationKind[];
  sms: readonly NotificationKind[];
  telegram: readonly NotificationKind[];
  telegramLinked: boolean;
  quietFrom: string | null;
  quietTo: string | null;
}

export function formOf(p: ServerPreferences): PreferencesForm {
  const language = p.language === "ru" || p.language === "en" ? p.language : "";
  return {
    language,
    kinds: { cabinet: new Set(p.cabinet), email: new Set(p.email), sms: new Set(p.sms), telegram: new Set(p.telegram) },
    telegramLinked: p.telegramLinked,
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
 * Only the audience's kinds are sent; Telegram's only while a chat is linked (else null: left as it is).
 */
export function inputOf(form: PreferencesForm, audience: Audience = "family"): { ok: true; input: NotificationPreferencesInput } | {
  ok: false; problems: FormProblem[];
} {
  const from = parseClock(form.quietFrom), to = parseClock(form.quietTo);
  const problems: FormProblem[] = [];
  if (!from.ok) problems.push("quietFrom");
  if (!to.ok) problems.push("quietTo");
  if (!from.ok || !to.ok) return { ok: false, problems };
  const sorted = (kinds: ReadonlySet<NotificationKind>) => kindsFor(audience).filter((k) => kinds.has(k));
  return {
    ok: true,
    input: {
      language: form.language || null,
      cabinet: sorted(form.kinds.cabinet),
      email: sorted(form.kinds.email),
      sms: audience === "staff" ? [] : sorted(form.kinds.sms),
      telegram: form.telegramLinked ? sorted(form.kinds.telegram) : null,
      quietFrom: from.value,
      quietTo: to.value,
    },
  };
}
