import { zonedDate } from "../../lib/format";

/** One line of the family's statement, as the API gives it (the fields the grouping and reasons need). */
export interface StatementLineData {
  id: string;
  at: string;
  kind: string;
  description: string;
  amount: { amount: string; currency: string };
  balanceAfter: { amount: string; currency: string };
  lessonsDelta: number;
  studentId?: string | null;
  lessonId?: string | null;
  subscriptionId?: string | null;
  paymentId?: string | null;
  discount?: { name: string; amount: { amount: string; currency: string } } | null;
}

export interface StatementDay<T extends StatementLineData> {
  date: string; // YYYY-MM-DD in the branch's zone
  lines: T[];
  total: number; // the day's sum of money moves, for the day header
}

/**
 * Group lines by calendar day in the branch's time zone, newest day first and newest line first inside a day;
 * optionally only one child's lines (plus the family's own: payments, adjustments without a child).
 */
export function groupStatement<T extends StatementLineData>(
  lines: readonly T[], timeZone: string, onlyStudentId?: string,
): StatementDay<T>[] {
  const kept = onlyStudentId
    ? lines.filter((line) => !line.studentId || line.studentId === onlyStudentId)
    : [...lines];
  kept.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  const days: StatementDay<T>[] = [];
  for (const line of kept) {
    const date = zonedDate(line.at, timeZone);
    let day = days[days.length - 1];
    if (!day || day.date !== date) {
      day = { date, lines: [], total: 0 };
      days.push(day);
    }
    day.lines.push(line);
    day.total = Math.round((day.total + Number(line.amount.amount)) * 100) / 100;
  }
  return days;
}

/** Which words explain a line ("why was this charged"): the message key for its kind. */
export function reasonKey(kind: string): string {
  switch (kind) {
    case "lesson_charge": return "money.kind.lesson_charge";
    case "lesson_refund": return "money.kind.lesson_refund";
    case "payment": return "money.kind.payment";
    case "payment_refund": return "money.kind.payment_refund";
    case "adjustment": return "money.kind.adjustment";
    case "manual_charge": return "money.kind.manual_charge";
    case "subscription_sale": return "money.kind.subscription_sale";
    case "subscription_close": return "money.kind.subscription_close";
    case "subscription_expiry": return "money.kind.subscription_expiry";
    default: return "money.kind.other";
  }
}

/** The cursor of the next older page of a newest-first statement, or null when the history is all shown. */
export function olderCursor(pageInfo: { hasNextPage: boolean; endCursor?: string | null } | undefined): string | null {
  return pageInfo?.hasNextPage ? pageInfo.endCursor ?? null : null;
}

/** The newest page, then the older pages read since ("show older"), each line once (a page read again after
 *  new lines came may repeat some). */
export function withOlder<T extends { id: string }>(newest: readonly T[], older: readonly (readonly T[])[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const line of [newest, ...older].flat()) {
    if (seen.has(line.id)) continue;
    seen.add(line.id);
    out.push(line);
  }
  return out;
}
