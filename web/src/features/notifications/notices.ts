/**
 * The notifications list's logic: pages joined newest first, what "mark all read" does to the pages shown, and
 * where a notice leads. A notice names what it is about by id (its students of this family, its lesson, lead or
 * question), so a link opens that lesson or lead under that child. Notices recorded before they carried ids
 * have only their text: those still find their child by the first name before the colon (identity's templates),
 * and link to a section.
 */
import type { NotificationKind } from "../../gql/graphql";

export interface Notice {
  id: string;
  kind: NotificationKind;
  subject: string;
  text: string;
  createdAt: string;
  read: boolean;
  /** The family's own students it is about; empty for a family-wide notice and for old ones (no ids). */
  studentIds: readonly string[];
  lessonId?: string | null;
  leadId?: string | null;
  questionId?: string | null;
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
  HOMEWORK_ASSIGNED: "", // the child's home shows the homework (with its lesson: the lesson's page)
  // Staff's kinds: never a family's (no child's page to link).
  LEAD_CREATED: "",
  QUESTION_ASKED: "",
};

/** Where a lesson's own page is the thing to open (a charge is money, a grade is the child's progress). */
const OPENS_LESSON: ReadonlySet<NotificationKind> = new Set<NotificationKind>(
  ["LESSON_SCHEDULED", "LESSON_MOVED", "LESSON_CANCELLED", "HOMEWORK_ASSIGNED"]);

/** Money and questions are the family's (any child's page shows the same); the rest is one child's. */
const FAMILY_WIDE: ReadonlySet<Section> = new Set(["money", "questions"]);

/** The one child of the family an old notice (no ids) is about: the name before the colon, or the only child. */
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

type Named = Pick<Notice, "kind" | "text" | "studentIds" | "lessonId" | "questionId">;

/** Whether a notice names its subject by id; one recorded before notices did names nothing (a payment never
 * names a child either: read as an old one, its text finds none and it links the family's money). */
function hasIds(n: Named): boolean {
  return n.studentIds.length > 0 || !!n.lessonId || !!n.questionId;
}

/** The child a notice with ids is about: the child shown when it is one of them, else the first of them still
 * in the family; null when it names none of this family's children now. */
function childNamed<C extends ChildLike>(ids: readonly string[], children: readonly C[], currentChildId: string): C | null {
  const present = children.filter((c) => !c.erased && ids.includes(c.id));
  return present.find((c) => c.id === currentChildId) ?? present[0] ?? null;
}

export type NoticeLabel = "lesson" | "lessons" | "money" | "progress" | "questions" | "home";

export interface NoticeLink {
  to: string;
  /** The link's words: `notify.open.<label>`. */
  label: NoticeLabel;
}

/** Where a notice leads, or null when it does not say enough (another child's page would mislead). */
export function linkOf(notice: Named, children: readonly ChildLike[], currentChildId: string): NoticeLink | null {
  const section = SECTION_OF[notice.kind];
  const child = hasIds(notice) ? childNamed(notice.studentIds, children, currentChildId)
    : childOf(notice.text, children);
  const id = child?.id ?? (FAMILY_WIDE.has(section) ? currentChildId : null);
  if (!id) return null;
  const base = `/c/${encodeURIComponent(id)}`;
  if (child && notice.lessonId && OPENS_LESSON.has(notice.kind)) {
    return { to: `${base}/lessons/${encodeURIComponent(notice.lessonId)}`, label: section ? "lesson" : "home" };
  }
  return { to: section ? `${base}/${section}` : base, label: section || "home" };
}

/** Where a staff member's notice leads in their cabinet (`base`: "/a" or "/t"): a new lead to that lead's card
 * (an old notice without its id: the leads list) - only admins read leads; a question nowhere (no cabinet screen
 * lists the branch's questions). */
export function staffLinkOf(notice: Pick<Notice, "kind" | "leadId" | "questionId">, base: string
): { to: string; label: "lead" | "leads" } | null {
  if (notice.kind !== "LEAD_CREATED" || base !== "/a") return null;
  return notice.leadId ? { to: `/a/leads/${encodeURIComponent(notice.leadId)}`, label: "lead" }
    : { to: "/a/leads", label: "leads" };
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
