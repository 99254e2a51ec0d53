/** Time ranges for queries, computed once per screen (stable variables keep urql from refetching). */
export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * 86_400_000);
}

/** The start of the hour: a `from` that does not change on every render. */
export function thisHour(): Date {
  const now = new Date();
  now.setMinutes(0, 0, 0);
  return now;
}

/** Whether a family may still cancel: the API's `cancellableUntil` (null once the lesson cannot be cancelled). */
export function canStillCancel(cancellableUntil: string | null | undefined, now: Date = new Date()): boolean {
  return !!cancellableUntil && now.getTime() < new Date(cancellableUntil).getTime();
}
