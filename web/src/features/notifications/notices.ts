/**
 * The notifications list's logic: pages joined newest first, what "mark all read" does to the pages shown, and
 * where a notice leads. A notice carries its kind and its text (the children's first names before a colon, as
 * identity's templates write them) - not the lesson's or the child's id - so links go to a section, never to one
 * lesson, and to a child's section only when the notice names exactly one of this family's children.
 */
import type { NotificationKind } from "../../gql/graphql";

export interface Notice {
  id: string;
  kind: NotificationKind;
  subject: string;
  text: string;
  createdAt: string;
  read: boolean;
}

export interface Page<T extends Notice = Notice> {
  items: readonly T[];
  nextCursor: string | null;
}

export interface Paging<T extends Notice = Notice> {
  items: T[];
  /** Where "show more" goes on from; null once the oldest has been read. */
  cursor: string | null;
}

export const EMPTY: Paging<never> = { items: [], cursor: null };

/** The next (older) page after the ones shown; a notice already shown is not shown twice. */
export function withOlder<T extends Notice>(paging: Paging<T>, page: Page<T>): Paging<T> {
  const seen = new Set(paging.items.map((n) => n.id));
  return { items: [...paging.items, ...page.items.filter((n) => !seen.has(n.id))], cursor: page.nextCursor };
}

/**
 * The first page read again (on opening, or after an event): new notices go on top, the ones shown take the
 * fresh read state, and older pages already loaded stay - "show more" still goes on from where it was. A whole
 * page of new ones (none of it shown yet, more behind it) would leave a gap before the ones shown: the list
 * starts again from the fresh page.
 */
export function withNewest<T extends Notice>(paging: Paging<T>, page: Page<T>): Paging<T> {
  const shown = new Set(paging.items.map((n) => n.id));
  const joins = page.items.some((n) => shown.has(n.id)) || page.nextCursor === null;
  if (paging.items.length === 0 || !joins) return { items: [...page.items], cursor: page.nextCursor };
  const fresh = new Map(page.items.map((n) => [n.id, n]));
  const added = page.items.filter((n) => !shown.has(n.id));
  return { items: [...added, ...paging.items.map((n) => fresh.get(n.id) ?? n)], cursor: paging.cursor };
}

/** After "mark all read": every notice shown is read (the server marked all, shown or not). */
export function allRead<T extends Notice>(paging: Paging<T>): Paging<T> {
  return { ...paging, items: paging.items.map((n) => (n.read ? n : { ...n, read: true })) };
}

export interface ChildLike {
  id: string;
  firstName: string;
  erased: boolean;
}

type Section = "lessons" | "money" | "progress" | "questions" | "";

const SECTION_OF: Record<NotificationKind, Section> = {
  LESSON_SCHEDULED: "lessons",
  LESSON_MOVED: "lessons",
  LESSON_CANCELLED: "lessons",
  LESSON_CHARGED: "money",
  PAYMENT_RECEIVED: "money",
  LOW_BALANCE: "money",
  SUBSCRIPTION_ENDED: "money",
  SUBSCRIPTION_ENDING: "money",
  QUESTION_ANSWERED: "questions",
  GRADE_POSTED: "progress",
  HOMEWORK_ASSIGNED: "", // the child's home shows the homework
  // Staff's kinds: never a family's (no child's page to link).
  LEAD_CREATED: "",
  QUESTION_ASKED: "",
};

/** Money and questions are the family's (any child's page shows the same); the rest is one child's. */
const FAMILY_WIDE: ReadonlySet<Section> = new Set(["money", "questions"]);

/** The one child of the family the notice is about: the name before the colon, or the only child. */
export function childOf<C extends ChildLike>(text: string, children: readonly C[]): C | null {
  const present = children.filter((c) => !c.erased);
  const colon = text.indexOf(":");
  if (colon > 0) {
    const names = text.slice(0, colon).split(",").map((s) => s.trim());
    if (names.length === 1) {
      const named = present.filter((c) => c.firstName === names[0]);
      if (named.length === 1) return named[0] ?? null;
    }
    if (names.length > 1) return null; // two children in one notice: no one child's page
  }
  return present.length === 1 ? present[0] ?? null : null;
}

export interface NoticeLink {
  to: string;
  section: Section;
}

/** Where a notice leads, or null when it does not say enough (another child's page would mislead). */
export function linkOf(notice: Pick<Notice, "kind" | "text">, children: readonly ChildLike[],
  currentChildId: string): NoticeLink | null {
  const section = SECTION_OF[notice.kind];
  const child = childOf(notice.text, children);
  const id = child?.id ?? (FAMILY_WIDE.has(section) ? currentChildId : null);
  if (!id) return null;
  const base = `/c/${encodeURIComponent(id)}`;
  return { to: section ? `${base}/${section}` : base, section };
}

/** Where a staff member's notice leads in their cabinet (`base`: "/a" or "/t"): a new lead to the admin's
 * leads list; a question nowhere yet (no cabinet screen lists the branch's questions). */
export function staffLinkOf(kind: NotificationKind, base: string): { to: string; label: "leads" } | null {
  return kind === "LEAD_CREATED" && base === "/a" ? { to: "/a/leads", label: "leads" } : null;
}

/** "14:05" today, "вчера, 14:05" yesterday, else the weekday and date - in the branch's zone and the locale. */
export function noticeTime(iso: string, locale: string, timeZone: string, now: Date = new Date()): {
  day: "today" | "yesterday" | null; time: string; date: string;
} {
  const tag = locale === "ru" ? "ru-RU" : "en-GB";
  const at = new Date(iso);
  const dayOf = (d: Date) => new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(d);
  const time = new Intl.DateTimeFormat(tag, { timeZone, hour: "2-digit", minute: "2-digit" }).format(at);
  const sameYear = new Intl.DateTimeFormat("en", { timeZone, year: "numeric" });
  const date = new Intl.DateTimeFormat(tag, {
    timeZone, weekday: "short", day: "numeric", month: "short",
    ...(sameYear.format(at) === sameYear.format(now) ? {} : { year: "numeric" }),
  }).format(at);
  const day = dayOf(at) === dayOf(now) ? "today"
    : dayOf(at) === dayOf(new Date(now.getTime() - 86_400_000)) ? "yesterday" : null;
  return { day, time, date };
}
