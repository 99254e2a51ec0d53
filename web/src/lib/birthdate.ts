/**
 * The birth date a parent types: day, month and year are three separate fields that start empty and are
 * never filled in by the app (R-WEB-3: the source documents complain of inputs that defaulted the year).
 */

export interface DateParts {
  day: string;
  month: string;
  year: string;
}

export const EMPTY_DATE: DateParts = { day: "", month: "", year: "" };

export type DateProblem = "incomplete" | "invalid" | "future" | "too_old";

export type ParsedDate = { ok: true; iso: string } | { ok: false; problem: DateProblem };

/** Keep only digits, at most `max` of them: what a field accepts while typing. */
export function digitsOnly(value: string, max: number): string {
  return value.replace(/\D/g, "").slice(0, max);
}

export function parseBirthDate(parts: DateParts, today: Date = new Date()): ParsedDate {
  const { day, month, year } = parts;
  if (!day || !month || year.length !== 4) return { ok: false, problem: "incomplete" };
  const d = Number(day), m = Number(month), y = Number(year);
  if (!Number.isInteger(d) || !Number.isInteger(m) || !Number.isInteger(y)) return { ok: false, problem: "invalid" };
  if (m < 1 || m > 12 || d < 1) return { ok: false, problem: "invalid" };
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (d > daysInMonth) return { ok: false, problem: "invalid" };
  const iso = `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
  const todayIso = today.toISOString().slice(0, 10);
  if (iso > todayIso) return { ok: false, problem: "future" };
  if (y < today.getUTCFullYear() - 100) return { ok: false, problem: "too_old" };
  return { ok: true, iso };
}
