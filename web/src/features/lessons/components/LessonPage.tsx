import { Link, useParams } from "react-router-dom";
import { useQuery } from "urql";
import { Card, ErrorNote, Money, PageTitle, Spinner } from "../../../components/ui";
import { NotFound } from "../../../components/NotFound";
import { describeCombined, fromCombined } from "../../../lib/errors";
import { formatDate, formatDateTime, formatTime } from "../../../lib/format";
import { useI18n, type MessageKey } from "../../../lib/i18n";
import { canStillCancel } from "../../../lib/time";
import { useCabinet } from "../../family/context";
import { LessonPage as LessonQuery, TeacherName } from "../api/operations";
import { lessonTitle } from "./LessonRow";

export default function LessonPage() {
  const { t, locale } = useI18n();
  const { child, timeZone } = useCabinet();
  const { lessonId = "" } = useParams();
  const [{ data, error, fetching }] = useQuery({ query: LessonQuery, variables: { lessonId, studentId: child.id } });
  // urql keeps the last answer while the next lesson loads: never show another lesson's answer as this one's.
  const lesson = data?.lesson?.id === lessonId ? data.lesson : undefined;
  const [{ data: teacher }] = useQuery({
    query: TeacherName, variables: { id: lesson?.teacherId ?? "" }, pause: !lesson?.teacherId,
  });
  if (!lesson && fetching) return <Spinner />;
  // A lesson that is not there and one that is not this family's both answer FORBIDDEN (so that an id tells
  // nothing): either way the page is not found, as for another family's child.
  if (!lesson) {
    const failed = error && fromCombined(error)?.code !== "FORBIDDEN";
    return failed ? <ErrorNote>{describeCombined(t, error)}</ErrorNote> : <NotFound />;
  }
  // Only this child's row of the sheet: the teacher's comment is for this child's family alone.
  const mine = lesson.sheet?.students.find((s) => s.studentId === child.id);
  const staff = teacher?.staff;
  const summary = lesson.sheet?.summary;
  const homework = lesson.sheet?.homework;
  const booked = lesson.participants.some((p) => p.studentId === child.id && p.reason === "BOOKING");
  return (
    <article data-testid="lesson-page">
      <p className="crumbs"><Link to={`/c/${child.id}/lessons`}>← {t("nav.lessons")}</Link></p>
      <PageTitle>{lessonTitle(t, lesson)}</PageTitle>
      {lesson.status === "cancelled" && (
        <ErrorNote>{t("lesson.cancelledBecause", { reason: lesson.cancelReason ?? "—" })}</ErrorNote>
      )}
      {booked && canStillCancel(lesson.cancellableUntil) && (
        <p className="muted" data-testid="cancel-until">
          {t("lesson.cancelUntil", { time: formatDateTime(lesson.cancellableUntil ?? "", locale, timeZone) })}{" "}
          <Link to={`/c/${child.id}/book`}>{t("book.cancel")}</Link>
        </p>
      )}
      <dl className="facts">
        <div><dt>{t("lesson.date")}</dt><dd>{formatDate(lesson.startsAt, locale, timeZone)}</dd></div>
        <div>
          <dt>{t("lesson.time")}</dt>
          <dd data-testid="lesson-time">
            {formatTime(lesson.startsAt, locale, timeZone)}–{formatTime(lesson.endsAt, locale, timeZone)}
            <span className="muted"> ({timeZone})</span>
          </dd>
        </div>
        <div><dt>{t("lesson.teacher")}</dt><dd>{staff ? `${staff.firstName} ${staff.lastName}` : "—"}</dd></div>
        <div>
          <dt>{t("lesson.room")}</dt>
          <dd data-testid="lesson-room">
            {lesson.room?.name ?? "—"}
            {child.branch && <span className="muted"> · {child.branch.name}, {child.branch.address}</span>}
          </dd>
        </div>
        <div><dt>{t("lesson.type")}</dt><dd>{t(`lesson.kind.${lesson.kind}` as MessageKey)}</dd></div>
        <div><dt>{t("lesson.price")}</dt><dd><Money value={lesson.price} /></dd></div>
      </dl>
      <Card title={t("lesson.results", { name: child.firstName })}>
        {mine && (mine.attendance || mine.grade || mine.comment) ? (
          <dl className="facts">
            <div><dt>{t("lesson.attendance")}</dt>
              <dd>{mine.attendance ? t(`attendance.${mine.attendance}` as MessageKey) : "—"}</dd></div>
            <div><dt>{t("lesson.grade")}</dt><dd className="grade-big">{mine.grade ?? "—"}</dd></div>
            <div><dt>{t("lesson.homeworkDone")}</dt>
              <dd>{mine.homeworkDone ? t(`homeworkDone.${mine.homeworkDone}` as MessageKey) : "—"}</dd></div>
            <div className="facts__wide"><dt>{t("lesson.comment")}</dt>
              <dd data-testid="teacher-comment">{mine.comment ?? "—"}</dd></div>
          </dl>
        ) : <p className="muted">{t("lesson.noResults")}</p>}
      </Card>
      <Card title={t("lesson.summary")}><p>{summary || "—"}</p></Card>
      <Card title={t("lesson.homework")}><p>{homework || "—"}</p></Card>
    </article>
  );
}
