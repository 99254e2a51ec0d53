import { useCallback, useEffect, useMemo, useState, type FormEvent } from "react";
import { Link, useParams } from "react-router-dom";
import { useClient, useQuery } from "urql";
import { Card, ErrorNote, InfoNote, PageTitle, Spinner } from "../../../components/ui";
import { NotFound } from "../../../components/NotFound";
import type { SheetFieldsFragment, TeacherLessonQuery } from "../../../gql/graphql";
import { describeCombined, describeError } from "../../../lib/errors";
import { formatDate, formatDateTime, formatTime } from "../../../lib/format";
import { useI18n, type MessageKey } from "../../../lib/i18n";
import { lessonTitle } from "../../lessons/components/LessonRow";
import { TeacherLesson } from "../api/operations";
import type { OutboxEntry, Outcome } from "../outbox";
import { zoneFinder } from "../schedule";
import {
  ATTENDANCE, HOMEWORK_DONE, MAX_COMMENT, MAX_TEXT, formFromFields, formFromSheet, gradeChoices, markAllPresent,
  missingAttendance, toFields, type MarkForm, type SheetForm,
} from "../sheetForm";
import { useOnline, useOutbox, useOutboxEntry, useSheetTransport } from "../useOutbox";

type Lesson = NonNullable<TeacherLessonQuery["lesson"]>;

const OPENS_BEFORE_MS = 30 * 60_000; // learning's sheet_open_before_start_min default

export default function SheetPage() {
  const { t } = useI18n();
  const { lessonId = "" } = useParams();
  const [{ data, error, fetching }] = useQuery({ query: TeacherLesson, variables: { lessonId } });
  // Another lesson's answer (the one opened before, while this one loads) is never shown as this one's.
  const lesson = data?.lesson?.id === lessonId ? data.lesson : null;
  if (!lesson && fetching) return <Spinner />;
  if (!lesson || !data) return error ? <ErrorNote>{describeCombined(t, error)}</ErrorNote> : <NotFound />;
  const zone = zoneFinder(data.branches)(lesson.branchId);
  const course = data.courses.find((c) => c.id === lesson.courseId)?.name ?? null;
  return <SheetEditor key={lesson.id} lesson={lesson} zone={zone} course={course} />;
}

function SheetEditor({ lesson, zone, course }: { lesson: Lesson; zone: string; course: string | null }) {
  const { t, locale } = useI18n();
  const client = useClient();
  const outbox = useOutbox();
  const transport = useSheetTransport();
  const online = useOnline();
  const entry = useOutboxEntry(outbox, lesson.id);
  const sheet = lesson.sheet;
  // What the form starts from: marks kept on this phone (not sent yet) win over the server's sheet.
  const [form, setForm] = useState<SheetForm>(() => {
    const kept = outbox.get(lesson.id);
    return kept ? formFromFields(kept.input, sheet) : formFromSheet(sheet);
  });
  const [base, setBase] = useState(() => outbox.get(lesson.id)?.baseRevision ?? sheet?.revision ?? 0);
  const [saved, setSaved] = useState<SheetFieldsFragment | null>(sheet?.filled ? sheet : null);
  const [theirs, setTheirs] = useState<SheetFieldsFragment | null>(null);
  const [dirty, setDirty] = useState(false);
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const names = useMemo(() => new Map((sheet?.students ?? []).map((s) => [s.studentId, s])), [sheet]);
  const nameOf = (id: string) => {
    const s = names.get(id)?.student;
    return s ? `${s.firstName} ${s.lastName}` : t("sheet.unknownStudent");
  };

  /** The server's sheet as it is now (after a conflict: what the other person saved). */
  const fetchCurrent = useCallback(async () => {
    const result = await client.query(TeacherLesson, { lessonId: lesson.id }, { requestPolicy: "network-only" })
      .toPromise();
    return result.data?.lesson?.sheet ?? null;
  }, [client, lesson.id]);

  const apply = useCallback((outcome: Outcome) => {
    if (outcome.kind === "saved") {
      setBase(outcome.sheet.revision);
      setSaved(outcome.sheet);
      setTheirs(null);
    } else if (outcome.kind === "conflict") {
      void fetchCurrent().then(setTheirs);
    }
  }, [fetchCurrent]);

  const send = useCallback(async () => {
    setSaving(true);
    try {
      apply(await outbox.send(lesson.id, transport));
    } finally {
      setSaving(false);
    }
  }, [apply, outbox, lesson.id, transport]);

  // Kept marks go out on opening the page and when the network comes back (the cabinet's flush may be first:
  // the outbox sends each lesson once at a time, and this page gets the outcome either way).
  useEffect(() => {
    const resend = () => {
      if (outbox.get(lesson.id)?.state === "pending") void send();
    };
    resend();
    window.addEventListener("online", resend);
    return () => window.removeEventListener("online", resend);
  }, [outbox, lesson.id, send]);
  // A conflict found by the cabinet's flush (or on another screen) shows the other version here too.
  useEffect(() => {
    if (entry?.state === "conflict" && !theirs) void fetchCurrent().then(setTheirs);
  }, [entry?.state, theirs, fetchCurrent]);

  const edit = (change: (f: SheetForm) => SheetForm) => {
    setForm(change);
    setDirty(true);
  };
  const editMark = (studentId: string, patch: Partial<MarkForm>) =>
    edit((f) => ({ ...f, marks: f.marks.map((m) => (m.studentId === studentId ? { ...m, ...patch } : m)) }));

  const onSave = async (event: FormEvent) => {
    event.preventDefault();
    const missing = missingAttendance(form);
    if (missing.length) {
      setProblem(t("sheet.missingAttendance", { names: missing.map(nameOf).join(", ") }));
      return;
    }
    setProblem(null);
    // Kept first, then sent: if the network is down (or drops mid-way) the marks are on the phone already.
    outbox.keep(lesson.id, toFields(form), base);
    setDirty(false);
    await send();
  };

  const keepTheirs = async () => {
    const current = await fetchCurrent();
    outbox.remove(lesson.id);
    setForm(formFromSheet(current));
    setBase(current?.revision ?? 0);
    setSaved(current?.filled ? current : null);
    setTheirs(null);
    setDirty(false);
  };

  const saveMine = async () => {
    const current = await fetchCurrent();
    if (!current) return;
    outbox.overwrite(lesson.id, current.revision);
    setBase(current.revision);
    await send();
  };

  const cancelled = lesson.status === "cancelled";
  const opensAt = new Date(Date.parse(lesson.startsAt) - OPENS_BEFORE_MS);
  const rowError = entry?.state === "rejected" ? erroredStudent(entry) : null;
  const anyUnmarked = form.marks.some((m) => !m.attendance);
  return (
    <article data-testid="sheet-page" data-lesson-id={lesson.id}>
      <p className="crumbs"><Link to="/t">← {t("sheet.back")}</Link></p>
      <PageTitle>{lessonTitle(t, lesson)}</PageTitle>
      <dl className="facts">
        <div><dt>{t("lesson.date")}</dt><dd>{formatDate(lesson.startsAt, locale, zone)}</dd></div>
        <div>
          <dt>{t("lesson.time")}</dt>
          <dd data-testid="sheet-time">
            {formatTime(lesson.startsAt, locale, zone)}–{formatTime(lesson.endsAt, locale, zone)}
            <span className="muted"> ({zone})</span>
          </dd>
        </div>
        <div><dt>{t("lesson.room")}</dt><dd>{lesson.room?.name ?? "—"}</dd></div>
        <div><dt>{t("sheet.course")}</dt><dd>{course ?? "—"}</dd></div>
      </dl>
      {cancelled ? <ErrorNote>{t("sheet.cancelled")}</ErrorNote> : (
        <form className="form sheet" onSubmit={(e) => void onSave(e)} noValidate aria-labelledby="sheet-title">
          <h2 id="sheet-title" className="visually-hidden">{t("sheet.title")}</h2>
          {Date.now() < opensAt.getTime() && (
            <InfoNote>{t("sheet.notOpenYet", { time: formatDateTime(opensAt.toISOString(), locale, zone) })}</InfoNote>
          )}
          <Card>
            <label className="field">
              <span className="field__label">{t("sheet.summary")}</span>
              <textarea name="summary" rows={3} maxLength={MAX_TEXT} value={form.summary}
                placeholder={t("sheet.summaryHint")} onChange={(e) => edit((f) => ({ ...f, summary: e.target.value }))} />
            </label>
            <label className="field">
              <span className="field__label">{t("sheet.homework")}</span>
              <textarea name="homework" rows={2} maxLength={MAX_TEXT} value={form.homework}
                onChange={(e) => edit((f) => ({ ...f, homework: e.target.value }))} />
            </label>
          </Card>
          <Card title={t("sheet.students")}
            action={anyUnmarked && form.marks.length > 1 ? (
              <button type="button" className="button" onClick={() => edit(markAllPresent)}>{t("sheet.allPresent")}</button>
            ) : undefined}>
            {form.marks.length === 0 ? <p className="muted">{t("sheet.noStudents")}</p> : (
              <div className="marks">
                {form.marks.map((m) => (
                  <StudentMarks key={m.studentId} mark={m} name={nameOf(m.studentId)}
                    removed={names.get(m.studentId)?.onLesson === false} scale={sheet?.gradeScale ?? "FIVE_POINT"}
                    error={rowError?.studentId === m.studentId && entry?.error ? describeError(t, entry.error) : null}
                    onChange={(patch) => editMark(m.studentId, patch)} />
                ))}
              </div>
            )}
          </Card>
          <div className="sheet-actions">
            <Status entry={entry} dirty={dirty} saving={saving} saved={saved} online={online} zone={zone} />
            {problem && <ErrorNote>{problem}</ErrorNote>}
            {entry?.state === "conflict" && (
              <div className="row">
                <button type="button" className="button" onClick={() => void keepTheirs()}>{t("sheet.keepTheirs")}</button>
                <button type="button" className="button button--danger" onClick={() => void saveMine()}>
                  {t("sheet.saveMine")}
                </button>
              </div>
            )}
            {entry?.state === "conflict" && theirs && (
              <p className="muted" data-testid="sheet-theirs">{t("sheet.conflictTheirs", { summary: theirs.summary || "—" })}</p>
            )}
            <button type="submit" className="button button--primary button--wide" disabled={saving}>
              {saving ? t("sheet.saving") : t("sheet.save")}
            </button>
          </div>
        </form>
      )}
    </article>
  );
}

/** The student a refusal names (`students.<i>.grade` is the i-th row of the sheet that was sent). */
function erroredStudent(entry: OutboxEntry): { studentId: string } | null {
  const match = /^students\.(\d+)\./.exec(entry.error?.field ?? "");
  const row = match ? entry.input.students?.[Number(match[1])] : undefined;
  return row ? { studentId: String(row.studentId) } : null;
}

function Status({ entry, dirty, saving, saved, online, zone }: {
  entry: OutboxEntry | null; dirty: boolean; saving: boolean; saved: SheetFieldsFragment | null; online: boolean;
  zone: string;
}) {
  const { t, locale } = useI18n();
  const at = (iso: string | null | undefined) => (iso ? formatDateTime(iso, locale, zone) : "");
  let state: string, text: string, tone: "info" | "warn" | "error" | "muted";
  if (entry?.state === "conflict") {
    [state, tone] = ["conflict", "error"];
    text = t("sheet.conflict", { time: at(entry.keptAt) });
  } else if (entry?.state === "rejected") {
    [state, tone] = ["rejected", "error"];
    text = t("sheet.rejected", { reason: entry.error ? describeError(t, entry.error) : t("error.generic") });
  } else if (entry && !(saving && online)) {
    [state, tone, text] = ["pending", "warn", t("sheet.pending", { time: at(entry.keptAt) })];
  } else if (saving) {
    [state, tone, text] = ["saving", "muted", t("sheet.saving")];
  } else if (dirty) {
    [state, tone, text] = ["dirty", "muted", t("sheet.dirty")];
  } else if (saved) {
    [state, tone] = ["saved", "info"];
    text = saved.updatedAt ? t("sheet.saved", { time: at(saved.updatedAt) }) : t("sheet.savedNow");
  } else {
    [state, tone, text] = ["empty", "muted", t("sheet.empty")];
  }
  const className = tone === "muted" ? "muted sheet-status" : `note note--${tone} sheet-status`;
  return (
    <p className={className} role={tone === "error" ? "alert" : "status"} data-testid="sheet-status" data-state={state}>
      {text}
    </p>
  );
}

function StudentMarks({ mark, name, removed, scale, error, onChange }: {
  mark: MarkForm; name: string; removed: boolean; scale: NonNullable<Lesson["sheet"]>["gradeScale"];
  error: string | null; onChange: (patch: Partial<MarkForm>) => void;
}) {
  const { t } = useI18n();
  const id = mark.studentId;
  const grades = gradeChoices(scale);
  const none = { value: "", label: t("sheet.notChecked"), srLabel: t("sheet.notCheckedLabel") };
  const bounds: Record<string, [number, number]> = { TEN_POINT: [1, 10], HUNDRED_POINT: [0, 100] };
  const [min, max] = bounds[scale] ?? [1, 5];
  return (
    <fieldset className="mark" data-testid="sheet-student" data-student-id={id}>
      <legend className="mark__name">
        {name}{removed && <span className="muted"> · {t("sheet.removed")}</span>}
      </legend>
      <Choice name={`attendance-${id}`} legend={t("sheet.attendance")} value={mark.attendance ?? ""}
        options={ATTENDANCE.map((a) => ({ value: a, label: t(`sheet.attendance.${a}` as MessageKey) }))}
        onChange={(v) => onChange({ attendance: (v || null) as MarkForm["attendance"] })} />
      <Choice name={`homework-${id}`} legend={t("sheet.homeworkDone")} value={mark.homeworkDone ?? ""}
        options={[none, ...HOMEWORK_DONE.map((h) => ({ value: h, label: t(`sheet.homeworkDone.${h}` as MessageKey) }))]}
        onChange={(v) => onChange({ homeworkDone: (v || null) as MarkForm["homeworkDone"] })} />
      {grades ? (
        <Choice name={`grade-${id}`} legend={t("sheet.grade")} value={mark.grade}
          options={[none, ...grades.map((g) => ({
            value: g, label: g === "pass" || g === "fail" ? t(`sheet.grade.${g}` as MessageKey) : g,
          }))]}
          onChange={(v) => onChange({ grade: v })} />
      ) : (
        <label className="field">
          <span className="field__label">{t("sheet.grade")}</span>
          <input name={`grade-${id}`} inputMode="numeric" autoComplete="off" value={mark.grade} maxLength={3}
            placeholder={t("sheet.gradeHint", { min, max })} onChange={(e) => onChange({ grade: e.target.value })} />
        </label>
      )}
      <label className="field">
        <span className="field__label">{t("sheet.comment")}</span>
        <textarea name={`comment-${id}`} rows={2} maxLength={MAX_COMMENT} value={mark.comment}
          onChange={(e) => onChange({ comment: e.target.value })} />
      </label>
      {error && <ErrorNote>{error}</ErrorNote>}
    </fieldset>
  );
}

/** A row of large radio buttons: one tap on a phone, the arrow keys on a keyboard. */
function Choice({ name, legend, options, value, onChange }: {
  name: string; legend: string; value: string; onChange: (value: string) => void;
  options: { value: string; label: string; srLabel?: string }[];
}) {
  return (
    <fieldset className="choice">
      <legend className="field__label">{legend}</legend>
      <div className="choice__options">
        {options.map((o) => (
          <label key={o.value} className="choice__option">
            <input type="radio" name={name} value={o.value} checked={value === o.value}
              aria-label={o.srLabel} onChange={() => onChange(o.value)} />
            <span>{o.label}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
