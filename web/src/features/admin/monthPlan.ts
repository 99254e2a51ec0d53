import type { MonthLessonFieldsFragment } from "../../gql/graphql";
import { inMonth } from "../../lib/month";

type Lesson = MonthLessonFieldsFragment;

/** Decimal strings added exactly, in hundredths (a float sum of prices would drift by kopecks). */
export function addAmounts(amounts: readonly string[]): string {
  let cents = 0n;
  for (const amount of amounts) {
    const negative = amount.trim().startsWith("-");
    const [whole = "0", part = ""] = amount.trim().replace(/^[-+]/, "").split(".");
    const value = BigInt(whole || "0") * 100n + BigInt((part + "00").slice(0, 2));
    cents += negative ? -value : value;
  }
  const sign = cents < 0n ? "-" : "";
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
}

export interface MonthPlan {
  /** The month's lessons of the group in start order (cancelled ones too: they are shown, not charged). */
  lessons: Lesson[];
  drafts: Lesson[];
  published: Lesson[];
  /** What the drafts will charge when published: each participant at their price (before discounts). */
  draftTotal: string;
  currency: string;
}

/** A group's month as the admin reads it before publishing: drafts, what is already published, the sum. */
export function monthPlan(all: readonly Lesson[], month: string, fallbackCurrency = "RUB"): MonthPlan {
  const lessons = all.filter((l) => inMonth(l.localDate, month))
    .sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  const live = lessons.filter((l) => l.status !== "cancelled");
  const drafts = live.filter((l) => !l.published);
  const published = live.filter((l) => l.published);
  const draftTotal = addAmounts(drafts.flatMap((l) => l.participants.map((p) => p.price.amount)));
  return { lessons, drafts, published, draftTotal, currency: lessons[0]?.price.currency ?? fallbackCurrency };
}

/** A price as the admin types it ("950", "950.5", "950,50", "1 200"): a decimal string with two places, or null
 * when it is not a price (negative, more than two decimals, not a number). */
export function parsePrice(text: string): string | null {
  const plain = text.replace(/[\s\u00a0]/g, "").replace(",", ".");
  const found = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(plain);
  if (!found) return null;
  return `${BigInt(found[1] ?? "0")}.${(found[2] ?? "").padEnd(2, "0")}`;
}
