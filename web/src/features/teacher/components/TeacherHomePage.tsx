import { useCallback, useEffect, useMemo, useRef } from "react";
import { Link } from "react-router-dom";
import { useQuery } from "urql";
import { Card, Empty, ErrorNote, PageTitle, Spinner } from "../../../components/ui";
import type { TeacherLessonFieldsFragment } from "../../../gql/graphql";
import { describeCombined } from "../../../lib/errors";
import { capitalise, formatDateTime, formatLocalDate, formatTime } from "../../../lib/format";
import { useI18n } from "../../../lib/i18n";
import { lessonTitle } from "../../lessons/components/LessonRow";
import { TeacherHome } from "../api/operations";
import { weekAhead, weekRange, zoneFinder } from "../schedule";
import { useOutbox, useOutboxEntries } from "../useOutbox";

type Lesson = TeacherLessonFieldsFragment;

export default function TeacherHomePage() {
  const { t, locale } = useI18n();
  const variables = useMemo(() => weekRange(), []);
  const [{ data, error, fetching }, refetch] = useQuery({ query: TeacherHome, variables });
  const outbox = useOutbox();
  const kept = useOutboxEntries(outbox);
  // The list as it is now when the teacher comes back to the app, the network comes back, or a kept sheet was
  // sent meanwhile (it leaves the unfilled ones).
  const reload = useCallback(() => refetch({ requestPolicy: "network-only" }), [refetch]);
  useEffect(() => {
    const onVisible = () => {
      if (document.visibilityState === "visible") reload();
    };
    document.addEventListener("visibilitychange", onVisible);
    window.addEventListener("online", reload);
    return () => {
      document.removeEventListener("visibilitychange", onVisible);
      window.removeEventListener("online", reload);
    };
  }, [reload]);
  const keptCount = useRef(kept.length);
  useEffect(() => {
    if (kept.length < keptCount.current) reload();
    keptCount.current = kept.length;
  }, [kept.length, reload]);
  const zoneOf = useMemo(() => zoneFinder(data?.branches ?? []), [data?.branches]);
  const courses = useMemo(() => new Map((data?.courses ?? []).map((c) => [c.id, c.name])), [data?.courses]);
  if (!data && fetching) return <Spinner />;
  if (!data) return <ErrorNote>{describeCombined(t, error) ?? t("error.generic")}</ErrorNote>;
  const staff = data.me.staff;
  const week = weekAhead((staff?.lessons.edges ?? []).map((e) => e.node), zoneOf);
  const keptIds = new Set(kept.map((e) => e.lessonId));
  // A sheet kept on this phone is listed under "not sent", not again as unfilled.
  const unfilled = data.unfilledSheets.filter((l) => !keptIds.has(l.id));
  const known = new Map([...data.unfilledSheets, ...week.flatMap((d) => d.lessons)].map((l) => [l.id, l]));

  const row = (lesson: Lesson, withDate: boolean, note?: string) => {
    const zone = zoneOf(lesson.branchId);
    const course = lesson.courseId ? courses.get(lesson.courseId) : undefined;
    const title = lessonTitle(t, lesson);
    return (
      <li key={lesson.id} className={`lesson-row ${lesson.status === "cancelled" ? "lesson-row--cancelled" : ""}`}
        data-testid="teacher-lesson" data-lesson-id={lesson.id}>
        <Link to={`/t/lessons/${lesson.id}`} className="lesson-row__link">
          <span className="lesson-row__when">
            {withDate ? formatDateTime(lesson.startsAt, locale, zone) : formatTime(lesson.startsAt, locale, zone)}
            –{formatTime(lesson.endsAt, locale, zone)}
          </span>
          <span className="lesson-row__what">
            {title}{course && course !== title ? ` · ${course}` : ""}
            <span className="muted"> · {lesson.room ? t("teacher.room", { room: lesson.room.name }) : t("teacher.noRoom")}</span>
          </span>
          {lesson.status === "cancelled" && <span className="badge badge--warn">{t("lesson.cancelled")}</span>}
          {note && <span className="badge badge--warn">{note}</span>}
        </Link>
      </li>
    );
  };

  return (
    <div data-testid="teacher-home" data-loaded="true">
      <PageTitle>{staff ? t("teacher.hello", { name: staff.firstName }) : t("teacher.myLessons")}</PageTitle>
      {kept.length > 0 && (
        <Card title={t("teacher.notSent")} className="card--warn">
          <p className="muted">{t("teacher.notSentHint")}</p>
          <ul className="list" data-testid="kept-sheets">
            {kept.map((entry) => {
              const lesson = known.get(entry.lessonId);
              const note = entry.state === "pending" ? undefined : t("teacher.needsAttention");
              return lesson ? row(lesson, true, note) : (
                <li key={entry.lessonId} className="lesson-row">
                  <Link className="lesson-row__link" to={`/t/lessons/${entry.lessonId}`}>{t("sheet.title")}</Link>
                </li>
              );
            })}
          </ul>
        </Card>
      )}
      <Card title={t("teacher.unfilled")}>
        {unfilled.length === 0 ? <Empty>{t("teacher.allFilled")}</Empty> : (
          <ul className="list" data-testid="unfilled-sheets">{unfilled.map((l) => row(l, true))}</ul>
        )}
      </Card>
      <Card title={t("teacher.week")}>
        {week.length === 0 ? <Empty>{t("teacher.noLessons")}</Empty> : (
          <div data-testid="teacher-week">
            {week.map((day) => (
              <section key={day.date} className="teacher-day" aria-labelledby={`day-${day.date}`}>
                <h3 id={`day-${day.date}`} className="teacher-day__title">
                  {day.today && <>{t("teacher.today")}, </>}
                  {day.today ? formatLocalDate(day.date, locale, { weekday: "long" })
                    : capitalise(formatLocalDate(day.date, locale, { weekday: "long" }))}
                </h3>
                <ul className="list">{day.lessons.map((l) => row(l, false))}</ul>
              </section>
            ))}
          </div>
        )}
      </Card>
    </div>
  );
}
