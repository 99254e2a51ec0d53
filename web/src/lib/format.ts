/** Money and dates for the interface: always in the branch's currency and time zone, in the chosen locale. */

export interface MoneyValue {
  amount: string;
  currency: string;
}

const numberLocale = (locale: string): string => (locale === "ru" ? "ru-RU" : "en-GB");

/** "1 200,00 ₽" / "RUB 1,200.00"; whole amounts without kopecks. A decimal string stays exact up to display. */
export function formatMoney(money: MoneyValue, locale: string, opts: { sign?: boolean } = {}): string {
  const value = Number(money.amount);
  const whole = Number.isInteger(value);
  const formatter = new Intl.NumberFormat(numberLocale(locale), {
    style: "currency",
    currency: money.currency || "RUB",
    minimumFractionDigits: whole ? 0 : 2,
    maximumFractionDigits: 2,
    signDisplay: opts.sign ? "exceptZero" : "auto",
  });
  return formatter.format(value);
}

function formatter(locale: string, timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat(numberLocale(locale), { timeZone, ...options });
}

/** "пн, 7 дек., 17:00" in the branch's zone. */
export function formatDateTime(iso: string, locale: string, timeZone: string): string {
  return formatter(locale, timeZone, {
    weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
  }).format(new Date(iso));
}

export function formatTime(iso: string, locale: string, timeZone: string): string {
  return formatter(locale, timeZone, { hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
}

export function formatDate(iso: string, locale: string, timeZone: string): string {
  return formatter(locale, timeZone, { day: "numeric", month: "long", year: "numeric" }).format(new Date(iso));
}

/** A calendar date (YYYY-MM-DD, no time): formatted as that day, whatever the device's zone. */
export function formatLocalDate(date: string, locale: string, opts: Intl.DateTimeFormatOptions = {}): string {
  const [y, m, d] = date.split("-").map(Number);
  return formatter(locale, "UTC", { day: "numeric", month: "long", ...opts }).format(
    new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1)),
  );
}

/** "Декабрь 2026" (the standalone month name, capitalised as a heading). */
export function formatMonth(year: number, month: number, locale: string): string {
  const text = formatter(locale, "UTC", { month: "long", year: "numeric" }).format(new Date(Date.UTC(year, month - 1, 1)));
  return capitalise(text.replace(/\s*г\.$/, ""));
}

export function capitalise(text: string): string {
  return text.charAt(0).toLocaleUpperCase() + text.slice(1);
}

/** The calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function zonedDate(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")}`;
}

export function formatPercent(share: number | null | undefined, locale: string): string {
  if (share === null || share === undefined) return "—";
  return new Intl.NumberFormat(numberLocale(locale), { style: "percent", maximumFractionDigits: 0 }).format(share);
}

export function formatNumber(value: number | null | undefined, locale: string): string {
  if (value === null || value === undefined) return "—";
  return new Intl.NumberFormat(numberLocale(locale), { maximumFractionDigits: 1 }).format(value);
}
