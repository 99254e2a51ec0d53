import { describe, expect, it } from "vitest";
import { EMPTY, allRead, childOf, linkOf, noticeTime, staffLinkOf, withNewest, withOlder, type Notice } from "./notices";

const n = (id: string, read = false, text = "Маша: оценка 5."): Notice => ({
  id, kind: "GRADE_POSTED", subject: "Новая оценка", text, createdAt: "2026-12-07T10:00:00Z", read, studentIds: ["m1"],
});

/** A notice recorded before notifications named their subject: its text only. */
const old = (kind: Notice["kind"], text: string) => ({ kind, text, studentIds: [] });

const MASHA = { id: "m1", firstName: "Маша", erased: false };
const PETYA = { id: "p1", firstName: "Петя", erased: false };
const GONE = { id: "g1", firstName: "Даша", erased: true };

describe("paging", () => {
  it("joins older pages after the shown ones, once each, and keeps the last cursor", () => {
    const first = withNewest(EMPTY, { items: [n("3"), n("2")], nextCursor: "c2" });
    expect(first).toEqual({ items: [n("3"), n("2")], cursor: "c2" });
    const more = withOlder(first, { items: [n("2"), n("1")], nextCursor: null });
    expect(more.items.map((x) => x.id)).toEqual(["3", "2", "1"]);
    expect(more.cursor).toBeNull();
  });

  it("puts new notices on top of a refreshed first page and keeps the older pages and their cursor", () => {
    const shown = { items: [n("3"), n("2"), n("1")], cursor: "c1" };
    const again = withNewest(shown, { items: [n("5"), n("4"), n("3", true)], nextCursor: "c3" });
    expect(again.items.map((x) => [x.id, x.read])).toEqual([
      ["5", false], ["4", false], ["3", true], ["2", false], ["1", false]]);
    expect(again.cursor).toBe("c1");
  });

  it("starts again from a fresh page that does not reach the ones shown (no gap in the list)", () => {
    const shown = { items: [n("2"), n("1")], cursor: null };
    const again = withNewest(shown, { items: [n("9"), n("8")], nextCursor: "c8" });
    expect(again).toEqual({ items: [n("9"), n("8")], cursor: "c8" });
    // the end of the list reached: nothing can be missing between
    expect(withNewest(shown, { items: [n("3")], nextCursor: null }).items.map((x) => x.id)).toEqual(["3", "2", "1"]);
  });

  it("marks every shown notice read after 'mark all read'", () => {
    const marked = allRead({ items: [n("2"), n("1", true)], cursor: "c" });
    expect(marked.items.every((x) => x.read)).toBe(true);
    expect(marked.cursor).toBe("c");
  });
});

describe("where a notice leads", () => {
  it("finds the one child the notice names", () => {
    expect(childOf("Петя: оценка 4.", [MASHA, PETYA])).toBe(PETYA);
    expect(childOf("Маша, Петя: занятие 08.12.2026 17:00.", [MASHA, PETYA])).toBeNull();
    expect(childOf("Получена оплата 100.00 RUB. Спасибо!", [MASHA, PETYA])).toBeNull();
    // the only child left (an erased one does not count)
    expect(childOf("Получена оплата 100.00 RUB.", [MASHA, GONE])).toBe(MASHA);
    expect(childOf("Даша: оценка 5.", [MASHA, GONE, PETYA])).toBeNull();
  });

  it("links the thing a notice names by id: the lesson, under the child it is about", () => {
    const kids = [MASHA, PETYA, { id: "m2", firstName: "Маша", erased: false }];
    // two children named Маша: the ids say which one (the text cannot)
    expect(linkOf({ kind: "LESSON_MOVED", text: "Маша: занятие перенесено.", studentIds: ["m2"], lessonId: "L1" },
      kids, "p1")).toEqual({ to: "/c/m2/lessons/L1", label: "lesson" });
    expect(linkOf({ kind: "GRADE_POSTED", text: "Маша: оценка 5.", studentIds: ["m2"], lessonId: "L2" }, kids, "p1"))
      .toEqual({ to: "/c/m2/progress", label: "progress" });
    expect(linkOf({ kind: "SUBSCRIPTION_ENDING", text: "Маша: осталось 2 занятия.", studentIds: ["m1"] }, kids, "p1"))
      .toEqual({ to: "/c/m1/money", label: "money" });
    // the homework is on its lesson's page
    expect(linkOf({ kind: "HOMEWORK_ASSIGNED", text: "Маша: Ex. 5", studentIds: ["m2"], lessonId: "L3" }, kids, "p1"))
      .toEqual({ to: "/c/m2/lessons/L3", label: "home" });
    // siblings in one lesson: the child shown when it is one of them, else the first
    const both = { kind: "LESSON_CANCELLED" as const, text: "Маша, Петя: занятие отменено.", studentIds: ["m1", "p1"],
      lessonId: "L4" };
    expect(linkOf(both, kids, "p1")).toEqual({ to: "/c/p1/lessons/L4", label: "lesson" });
    expect(linkOf(both, kids, "m2")).toEqual({ to: "/c/m1/lessons/L4", label: "lesson" });
    // a question answered: the family's questions page, of the child it was asked about or the one shown
    expect(linkOf({ kind: "QUESTION_ANSWERED", text: "Вопрос: ... Ответ: да.", studentIds: [], questionId: "Q1" },
      kids, "p1")).toEqual({ to: "/c/p1/questions", label: "questions" });
    expect(linkOf({ kind: "QUESTION_ANSWERED", text: "Вопрос: ... Ответ: да.", studentIds: ["m2"], questionId: "Q1" },
      kids, "p1")).toEqual({ to: "/c/m2/questions", label: "questions" });
    // a payment names no child: the family's money, on the child shown
    expect(linkOf({ kind: "PAYMENT_RECEIVED", text: "Получена оплата 1.00 RUB.", studentIds: [] }, kids, "m2"))
      .toEqual({ to: "/c/m2/money", label: "money" });
    // a child no longer in the family (erased): no child's page to open; the family's money still
    expect(linkOf({ kind: "LESSON_MOVED", text: "Даша: перенесено.", studentIds: ["g1"], lessonId: "L5" },
      [MASHA, GONE], "m1")).toBeNull();
    expect(linkOf({ kind: "LOW_BALANCE", text: "Баланс 10.00 RUB.", studentIds: ["g1"] }, [MASHA, GONE], "m1"))
      .toEqual({ to: "/c/m1/money", label: "money" });
  });

  it("reads an old notice's text (no ids): a child's section only for a named child, money always", () => {
    const kids = [MASHA, PETYA];
    expect(linkOf(old("GRADE_POSTED", "Петя: оценка 4."), kids, "m1")).toEqual(
      { to: "/c/p1/progress", label: "progress" });
    expect(linkOf(old("LESSON_MOVED", "Маша: занятие перенесено на 09.12.2026 17:00."), kids, "p1"))
      .toEqual({ to: "/c/m1/lessons", label: "lessons" });
    expect(linkOf(old("HOMEWORK_ASSIGNED", "Маша: Ex. 5 p. 31"), kids, "p1"))
      .toEqual({ to: "/c/m1", label: "home" });
    expect(linkOf(old("LESSON_CANCELLED", "Маша, Петя: занятие отменено."), kids, "p1")).toBeNull();
    expect(linkOf(old("PAYMENT_RECEIVED", "Получена оплата 777.00 RUB."), kids, "p1"))
      .toEqual({ to: "/c/p1/money", label: "money" });
    expect(linkOf(old("QUESTION_ANSWERED", "Вопрос: можно ли перенести? Ответ: да."), kids, "p1"))
      .toEqual({ to: "/c/p1/questions", label: "questions" });
    expect(linkOf(old("SUBSCRIPTION_ENDING", "Маша: в абонементе осталось 2 занятия."), kids, "p1"))
      .toEqual({ to: "/c/m1/money", label: "money" });
  });
});

describe("a notice's time", () => {
  const now = new Date("2026-12-07T12:00:00Z");
  it("says today and yesterday in the branch's zone", () => {
    expect(noticeTime("2026-12-07T11:05:00Z", "ru", "Europe/Moscow", now)).toMatchObject({ day: "today", time: "14:05" });
    // 22:30 UTC on the 6th is already the 7th in Moscow
    expect(noticeTime("2026-12-06T22:30:00Z", "ru", "Europe/Moscow", now).day).toBe("today");
    expect(noticeTime("2026-12-06T08:00:00Z", "en", "Europe/Moscow", now)).toMatchObject({ day: "yesterday", time: "11:00" });
  });

  it("gives the date, with the year only when it is another year", () => {
    const older = noticeTime("2026-12-01T08:00:00Z", "ru", "Europe/Moscow", now);
    expect(older.day).toBeNull();
    expect(older.date).toMatch(/1 дек/);
    expect(older.date).not.toMatch(/2026/);
    expect(noticeTime("2025-12-01T08:00:00Z", "en", "Europe/Moscow", now).date).toMatch(/2025/);
  });
});

describe("a staff member's notice", () => {
  it("leads an admin's new lead to that lead (an old one to the list), and nothing else anywhere", () => {
    expect(staffLinkOf({ kind: "LEAD_CREATED", leadId: "A 1" }, "/a")).toEqual({ to: "/a/leads/A%201", label: "lead" });
    expect(staffLinkOf({ kind: "LEAD_CREATED", leadId: null }, "/a")).toEqual({ to: "/a/leads", label: "leads" });
    expect(staffLinkOf({ kind: "QUESTION_ASKED", questionId: "Q1" }, "/a")).toBeNull();
    expect(staffLinkOf({ kind: "LEAD_CREATED", leadId: "A1" }, "/t")).toBeNull();
  });
});
