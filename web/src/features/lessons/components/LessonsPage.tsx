import { useMemo } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { useQuery } from "urql";
import { Card, Empty, ErrorNote, PageTitle, Spinner } from "../../../components/ui";
import { describeCombined } from "../../../lib/errors";
import { capitalise, formatLocalDate, formatMonth, formatTime, zonedDate } from "../../../lib/format";
import { useI18n } from "../../../lib/i18n";
import { useCabinet } from "../../family/context";
import { ChildLessons } from "../api/operations";
import { monthGrid, parseMonth, shiftMonth } from "../calendar";
import { CalendarButton } from "./CalendarButton";
import { LessonRow, lessonTitle } from "./LessonRow";

export default function LessonsPage() {
  const { t, locale } = useI18n();
  const { child, timeZone } = useCabinet();
  const [params, setParams] = useSearchParams();
  const view = params.get("view") === "list" ? "list" : "calendar";
  const { year, month } = parseMonth(params.get("month"), new Date());
  const today = zonedDate(new Date().toISOString(), timeZone);
  const monthKey = `${year}-${String(month).padStart(2, "0")}`;
  // the day whose lessons are listed under the calendar: the one tapped, else today in this month
  const selected = params.get("day") ?? (today.startsWith(monthKey) ? today : null);
  const variables = useMemo(() => ({
    studentId: child.id,
    // a day either side: the branch's zone decides which lessons belong to the month (filtered below)
    from: new Date(Date.UTC(year, month - 1, 0)).toISOString(),
    to: new Date(Date.UTC(year, month, 2)).toISOString(),
  }), [child.id, year, month]);
  const [{ data, error, fetching }] = useQuery({ query: ChildLessons, variables });
  const lessons = (data?.student?.lessons.edges ?? []).map((e) => e.node)
    .filter((l) => zonedDate(l.startsAt, timeZone).startsWith(monthKey));
  const byDay = new Map<string, typeof lessons>();
  for (const lesson of lessons) {
    const day = zonedDate(lesson.startsAt, timeZone);
    byDay.set(day, [...(byDay.get(day) ?? []), lesson]);
  }
  const set = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) next.delete(k); else next.set(k, v);
    }
    setParams(next, { replace: true });
  };
  const weekdays = Array.from({ length: 7 }, (_, i) =>
    new Intl.DateTimeFormat(locale === "ru" ? "ru-RU" : "en-GB", { weekday: "short", timeZone: "UTC" })
      .format(new Date(Date.UTC(2024, 0, 1 + i))));

  const dayLessons = selected ? byDay.get(selected) ?? [] : [];
  return (
    <div>
      <PageTitle>{t("lessons.title", { name: child.firstName })}</PageTitle>
      <div className="toolbar">
        <div className="segmented" role="group" aria-label={t("lessons.view")}>
          <button type="button" aria-pressed={view === "calendar"} onClick={() => set({ view: null })}>
            {t("lessons.calendar")}
          </button>
          <button type="button" aria-pressed={view === "list"} onClick={() => set({ view: "list" })}>
            {t("lessons.list")}
          </button>
        </div>
        <CalendarButton />
      </div>
      {error && <ErrorNote>{describeCombined(t, error)}</ErrorNote>}
      <div className={`lessons-layout ${view === "list" ? "lessons-layout--list" : ""}`}>
        <div className="calendar-wrap">
          <div className="month-nav">
            <button type="button" className="icon-button" aria-label={t("lessons.prevMonth")}
              onClick={() => set({ month: shiftMonth(year, month, -1), day: null })}>‹</button>
            <h2 className="month-nav__title" aria-live="polite">{formatMonth(year, month, locale)}</h2>
            <button type="button" className="icon-button" aria-label={t("lessons.nextMonth")}
              onClick={() => set({ month: shiftMonth(year, month, 1), day: null })}>›</button>
          </div>
          {!data && fetching ? <Spinner /> : view === "calendar" && (
            <table className="calendar" data-testid="calendar">
              <caption className="visually-hidden">{formatMonth(year, month, locale)}</caption>
              <thead><tr>{weekdays.map((d) => <th key={d} scope="col">{d}</th>)}</tr></thead>
              <tbody>
                {monthGrid(year, month).map((week, i) => (
                  <tr key={i}>
                    {week.map((day, j) => {
                      if (!day) return <td key={j} />;
                      const count = byDay.get(day)?.length ?? 0;
                      const label = `${formatLocalDate(day, locale)}${count ? `, ${t("lessons.count", { count })}` : ""}`;
                      return (
                        <td key={j}>
                          <button type="button" aria-label={label} aria-pressed={selected === day}
                            className={`day ${count ? "day--busy" : ""} ${day === today ? "day--today" : ""}`}
                            onClick={() => set({ day })}>
                            <span>{Number(day.slice(8))}</span>
                            {count > 0 && <span className="day__dot" aria-hidden="true" />}
                          </button>
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        {data && view === "calendar" && selected && (
          <Card title={capitalise(formatLocalDate(selected, locale, { weekday: "long" }))}>
            {dayLessons.length === 0 ? <Empty>{t("lessons.noneThatDay")}</Empty> : (
              <ul className="list">
                {dayLessons.map((l) => (
                  <li key={l.id} className="lesson-row">
                    <Link className="lesson-row__link" to={`/c/${child.id}/lessons/${l.id}`}>
                      <span className="lesson-row__when">
                        {formatTime(l.startsAt, locale, timeZone)}–{formatTime(l.endsAt, locale, timeZone)}
                      </span>
                      <span className="lesson-row__what">{lessonTitle(t, l)}</span>
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        )}
        {data && view === "list" && (lessons.length === 0 ? <Empty>{t("lessons.noneThisMonth")}</Empty> : (
          <Card>
            <ul className="list" data-testid="lesson-list">
              {lessons.map((l) => <LessonRow key={l.id} lesson={l} childId={child.id} timeZone={timeZone} />)}
            </ul>
          </Card>
        ))}
      </div>
    </div>
  );
}
