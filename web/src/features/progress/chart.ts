/** Points of the progress chart: grades as a share of the scale's top, attendance as a running share. */

export interface ResultPoint {
  startsAt: string;
  grade?: string | null;
  attendance?: string | null;
}

const SCALE_TOP: Record<string, number> = { FIVE_POINT: 5, TEN_POINT: 10, HUNDRED_POINT: 100 };

export function gradeShare(grade: string, scale: string): number | null {
  if (scale === "PASS_FAIL") return /^(pass|зачёт|зачет|1|yes)$/i.test(grade) ? 1 : 0;
  const top = SCALE_TOP[scale] ?? 5;
  const value = Number(grade.replace(",", "."));
  return Number.isFinite(value) ? Math.max(0, Math.min(1, value / top)) : null;
}

export interface Series {
  grades: { x: number; y: number; label: string }[];
  attendance: { x: number; y: number }[];
}

/** Oldest first; x in [0, 1] by time; attendance = (present + late) / counted lessons so far (excused left out). */
export function buildSeries(points: readonly ResultPoint[], scale: string): Series {
  const sorted = [...points].sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  if (sorted.length === 0) return { grades: [], attendance: [] };
  const t0 = Date.parse(sorted[0]!.startsAt);
  const span = Math.max(1, Date.parse(sorted[sorted.length - 1]!.startsAt) - t0);
  const x = (p: ResultPoint) => (sorted.length === 1 ? 0.5 : (Date.parse(p.startsAt) - t0) / span);
  const grades: Series["grades"] = [];
  const attendance: Series["attendance"] = [];
  let came = 0, counted = 0;
  for (const p of sorted) {
    if (p.grade) {
      const y = gradeShare(p.grade, scale);
      if (y !== null) grades.push({ x: x(p), y, label: p.grade });
    }
    if (p.attendance && p.attendance !== "EXCUSED") {
      counted += 1;
      if (p.attendance === "PRESENT" || p.attendance === "LATE") came += 1;
      attendance.push({ x: x(p), y: came / counted });
    }
  }
  return { grades, attendance };
}
