import { zonedDate } from "../../lib/format";

/** What the teacher's lists need of a lesson (the generated TeacherLessonFields has it). */
export interface ScheduledLesson {
  id: string;
  startsAt: string;
  branchId: string;
}

export const FALLBACK_ZONE = "Europe/Moscow";

/** The zone a lesson's time is shown in: its branch's, whatever the phone's zone. */
export function zoneFinder(branches: readonly { id: string; timeZone: string }[]): (branchId: string) => string {
  const zones = new Map(branches.map((b) => [b.id, b.timeZone]));
  return (branchId) => zones.get(branchId) ?? FALLBACK_ZONE;
}

/** YYYY-MM-DD plus `days` (calendar arithmetic, no zone involved). */
export function shiftDate(date: string, days: number): string {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + days)).toISOString().slice(0, 10);
}

export interface Day<T> {
  /** YYYY-MM-DD in the lessons' branch zone. */
  date: string;
  today: boolean;
  lessons: T[];
}

/** Today's and the coming week's lessons (today + 7 days, each in its branch's zone), by day, in start order. */
export function weekAhead<T extends ScheduledLesson>(lessons: readonly T[], zoneOf: (branchId: string) => string,
  now: Date = new Date(), days = 7): Day<T>[] {
  const byDay = new Map<string, T[]>();
  const todays = new Set<string>();
  for (const lesson of [...lessons].sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt))) {
    const zone = zoneOf(lesson.branchId);
    const today = zonedDate(now.toISOString(), zone);
    const date = zonedDate(lesson.startsAt, zone);
    if (date < today || date > shiftDate(today, days)) continue;
    if (date === today) todays.add(date);
    byDay.set(date, [...(byDay.get(date) ?? []), lesson]);
  }
  return [...byDay.entries()].sort(([a], [b]) => a.localeCompare(b))
    .map(([date, list]) => ({ date, today: todays.has(date), lessons: list }));
}

/** The query's range: from a day and a half back (today's lessons in any zone) to eight days ahead. */
export function weekRange(now: Date = new Date()): { from: string; to: string } {
  const hour = new Date(now);
  hour.setMinutes(0, 0, 0);
  return {
    from: new Date(hour.getTime() - 36 * 3_600_000).toISOString(),
    to: new Date(hour.getTime() + 8 * 86_400_000 + 14 * 3_600_000).toISOString(),
  };
}
