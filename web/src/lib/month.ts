/**
 * A month the admin picks (R-WEB-3): the month and the year start empty and are never filled in for them, and the
 * address carries only a month they chose ("YYYY-MM"); a typed-in address with anything else is not a month.
 */

export interface MonthParts {
  month: string; // "1".."12", or "" until chosen
  year: string; // four digits, or "" until typed
}

export const EMPTY_MONTH: MonthParts = { month: "", year: "" };

export type MonthProblem = "incomplete" | "invalid";

export type ParsedMonth = { ok: true; month: string } | { ok: false; problem: MonthProblem };

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
// The schedule is made months ahead, not decades: a year outside these is a typo, not a plan.
const FIRST_YEAR = 2000;
const LAST_YEAR = 2100;

export function parseMonth(parts: MonthParts): ParsedMonth {
  if (!parts.month || parts.year.length !== 4) return { ok: false, problem: "incomplete" };
  const m = Number(parts.month), y = Number(parts.year);
  if (!Number.isInteger(m) || m < 1 || m > 12 || !/^\d{4}$/.test(parts.year)) return { ok: false, problem: "invalid" };
  if (y < FIRST_YEAR || y > LAST_YEAR) return { ok: false, problem: "invalid" };
  return { ok: true, month: `${parts.year}-${String(m).padStart(2, "0")}` };
}

/** "YYYY-MM" from an address, or null (never a guess). */
export function monthFromParam(value: string | null): string | null {
  const found = value ? MONTH.exec(value) : null;
  if (!found) return null;
  const y = Number(found[1]);
  return y >= FIRST_YEAR && y <= LAST_YEAR ? value : null;
}

/** The fields for a chosen month (to show it back in the picker). */
export function monthParts(month: string | null): MonthParts {
  const found = month ? MONTH.exec(month) : null;
  return found ? { month: String(Number(found[2])), year: found[1] ?? "" } : EMPTY_MONTH;
}

/** A time range that holds the whole month in any zone (a day either side); lessons are then kept by their
 * `localDate` (the day in the branch's zone), so the branch's zone decides, not the device's. */
export function monthQueryRange(month: string): { from: string; to: string } {
  const [y, m] = month.split("-").map(Number) as [number, number];
  const day = 86_400_000;
  return {
    from: new Date(Date.UTC(y, m - 1, 1) - day).toISOString(),
    to: new Date(Date.UTC(y, m, 1) + day).toISOString(),
  };
}

export function inMonth(localDate: string, month: string): boolean {
  return localDate.startsWith(`${month}-`);
}
