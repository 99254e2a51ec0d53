import type {
  AttendanceStatus, GradeScale, HomeworkDoneStatus, SaveLessonSheetInput, SheetFieldsFragment,
} from "../../gql/graphql";

/** The sheet as the form edits it: every student of the lesson, a mark or not yet. */
export interface MarkForm {
  studentId: string;
  attendance: AttendanceStatus | null;
  homeworkDone: HomeworkDoneStatus | null;
  grade: string;
  comment: string;
}

export interface SheetForm {
  summary: string;
  homework: string;
  marks: MarkForm[];
}

/** What the teacher fills in; the outbox adds the lesson, the expected revision and the idempotency key. */
export type SheetFields = Pick<SaveLessonSheetInput, "summary" | "homework" | "students">;

// Records over the generated unions: a value the schema adds does not compile until it has its place here.
const ATTENDANCE_ORDER: Record<AttendanceStatus, number> = { PRESENT: 0, LATE: 1, ABSENT: 2, EXCUSED: 3 };
const HOMEWORK_ORDER: Record<HomeworkDoneStatus, number> = { YES: 0, PARTLY: 1, NO: 2 };
const byOrder = <T extends string>(order: Record<T, number>): T[] =>
  (Object.keys(order) as T[]).sort((a, b) => order[a] - order[b]);
export const ATTENDANCE: readonly AttendanceStatus[] = byOrder(ATTENDANCE_ORDER);
export const HOMEWORK_DONE: readonly HomeworkDoneStatus[] = byOrder(HOMEWORK_ORDER);

/** The grades a scale offers as buttons (null: typed in, 1-10 or 0-100). */
const GRADE_CHOICES: Record<GradeScale, readonly string[] | null> = {
  FIVE_POINT: ["1", "2", "3", "4", "5"],
  PASS_FAIL: ["pass", "fail"],
  TEN_POINT: null,
  HUNDRED_POINT: null,
};

export function gradeChoices(scale: GradeScale): readonly string[] | null {
  return GRADE_CHOICES[scale];
}

/** The most the API takes (learning's MAX_SUMMARY, MAX_HOMEWORK, MAX_COMMENT). */
export const MAX_TEXT = 5000;
export const MAX_COMMENT = 2000;

type Row = SheetFieldsFragment["students"][number];

const emptyMark = (studentId: string): MarkForm =>
  ({ studentId, attendance: null, homeworkDone: null, grade: "", comment: "" });

/** The students the form shows: those on the lesson, and anyone already marked (a mark may still be corrected). */
export function roster(sheet: SheetFieldsFragment | null | undefined): Row[] {
  return (sheet?.students ?? []).filter((s) => s.onLesson || s.attendance);
}

export function formFromSheet(sheet: SheetFieldsFragment | null | undefined): SheetForm {
  return {
    summary: sheet?.summary ?? "",
    homework: sheet?.homework ?? "",
    marks: roster(sheet).map((s) => ({
      studentId: s.studentId, attendance: s.attendance ?? null, homeworkDone: s.homeworkDone ?? null,
      grade: s.grade ?? "", comment: s.comment ?? "",
    })),
  };
}

/** A kept (not yet sent) sheet over the lesson's current roster: the kept marks win, new students come empty. */
export function formFromFields(fields: SheetFields, sheet: SheetFieldsFragment | null | undefined): SheetForm {
  const kept = new Map((fields.students ?? []).map((s) => [String(s.studentId), s]));
  const ids = roster(sheet).map((s) => s.studentId);
  for (const id of kept.keys()) if (!ids.includes(id)) ids.push(id);
  return {
    summary: fields.summary ?? "",
    homework: fields.homework ?? "",
    marks: ids.map((id) => {
      const s = kept.get(id);
      return s ? {
        studentId: id, attendance: s.attendance, homeworkDone: s.homeworkDone ?? null,
        grade: s.grade ?? "", comment: s.comment ?? "",
      } : emptyMark(id);
    }),
  };
}

/** Students with a grade, homework or comment but no attendance: the API needs attendance on every row sent. */
export function missingAttendance(form: SheetForm): string[] {
  return form.marks
    .filter((m) => !m.attendance && (m.homeworkDone || m.grade.trim() || m.comment.trim()))
    .map((m) => m.studentId);
}

/** The whole sheet to send; rows without attendance are left out (the API keeps marks a sheet omits). */
export function toFields(form: SheetForm): SheetFields {
  return {
    summary: form.summary.trim(),
    homework: form.homework.trim(),
    students: form.marks.flatMap((m) => m.attendance ? [{
      studentId: m.studentId,
      attendance: m.attendance,
      homeworkDone: m.homeworkDone,
      grade: m.grade.trim() || null,
      comment: m.comment.trim() || null,
    }] : []),
  };
}

export function markAllPresent(form: SheetForm): SheetForm {
  return { ...form, marks: form.marks.map((m) => (m.attendance ? m : { ...m, attendance: "PRESENT" })) };
}
