import { Link } from "react-router-dom";
import { formatDateTime, formatTime } from "../../../lib/format";
import { useI18n, type MessageKey } from "../../../lib/i18n";

export interface LessonRowData {
  id: string;
  startsAt: string;
  endsAt: string;
  status: string;
  kind: string;
  lessonType: string;
  group?: { name: string } | null;
}

export function lessonTitle(t: (k: MessageKey) => string, lesson: LessonRowData): string {
  if (lesson.group?.name) return lesson.group.name;
  const key = `lesson.kind.${lesson.kind}` as MessageKey;
  return t(key);
}

export function LessonRow({ lesson, childId, timeZone }: { lesson: LessonRowData; childId: string; timeZone: string }) {
  const { t, locale } = useI18n();
  const cancelled = lesson.status === "cancelled";
  return (
    <li className={`lesson-row ${cancelled ? "lesson-row--cancelled" : ""}`}>
      <Link to={`/c/${childId}/lessons/${lesson.id}`} className="lesson-row__link">
        <span className="lesson-row__when">
          {formatDateTime(lesson.startsAt, locale, timeZone)}–{formatTime(lesson.endsAt, locale, timeZone)}
        </span>
        <span className="lesson-row__what">{lessonTitle(t, lesson)}</span>
        {cancelled && <span className="badge badge--warn">{t("lesson.cancelled")}</span>}
      </Link>
    </li>
  );
}
