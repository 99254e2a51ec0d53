import { useMemo } from "react";
import { useQuery } from "urql";
import { Card, Empty, ErrorNote, PageTitle, Spinner } from "../../../components/ui";
import { describeCombined } from "../../../lib/errors";
import { formatNumber, formatPercent } from "../../../lib/format";
import { useI18n } from "../../../lib/i18n";
import { addDays, thisHour } from "../../../lib/time";
import { useCabinet } from "../../family/context";
import { ChildProgress } from "../api/operations";
import { buildSeries, type Series } from "../chart";

export default function ProgressPage() {
  const { t, locale } = useI18n();
  const { child } = useCabinet();
  const variables = useMemo(() => ({ studentId: child.id, from: addDays(thisHour(), -90).toISOString() }), [child.id]);
  const [{ data, error, fetching }] = useQuery({ query: ChildProgress, variables });
  if (!data && fetching) return <Spinner />;
  const student = data?.student;
  if (!student) return <ErrorNote>{describeCombined(t, error) ?? t("error.generic")}</ErrorNote>;
  const courses = new Map((data?.courses ?? []).map((c) => [c.id, c.name]));
  const results = student.pastLessons.edges.map((e) => e.node);
  const scale = student.progress[0]?.gradeScale ?? "FIVE_POINT";
  const series = buildSeries(results, scale);
  return (
    <div>
      <PageTitle>{t("progress.title", { name: child.firstName })}</PageTitle>
      <Card title={t("progress.chart")}>
        {results.length === 0 ? <Empty>{t("progress.empty")}</Empty> : <Chart series={series} />}
      </Card>
      {student.progress.map((p) => (
        <Card key={p.courseId ?? "all"} title={(p.courseId && courses.get(p.courseId)) || t("progress.allCourses")}>
          <dl className="facts facts--3">
            <div><dt>{t("progress.attendance")}</dt><dd className="big">{formatPercent(p.current.attendanceRate, locale)}</dd></div>
            <div><dt>{t("progress.average")}</dt><dd className="big">{formatNumber(p.current.averageGrade, locale)}</dd></div>
            <div><dt>{t("progress.homework")}</dt><dd className="big" data-testid="homework-share">{formatPercent(p.current.homeworkCompletion, locale)}</dd></div>
          </dl>
          <p className="muted">{t("progress.period", { lessons: p.current.lessons, grades: p.current.grades })}</p>
        </Card>
      ))}
    </div>
  );
}

const W = 320, H = 160, PAD = 24;

function Chart({ series }: { series: Series }) {
  const { t } = useI18n();
  const px = (x: number) => PAD + x * (W - 2 * PAD);
  const py = (y: number) => H - PAD - y * (H - 2 * PAD);
  const path = (pts: { x: number; y: number }[]) => pts.map((p, i) => `${i ? "L" : "M"}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(" ");
  const description = t("progress.chartDescription", { grades: series.grades.map((g) => g.label).join(", ") || "—" });
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={description} data-testid="progress-chart">
        {[0, 0.5, 1].map((y) => (
          <g key={y}>
            <line x1={PAD} x2={W - PAD} y1={py(y)} y2={py(y)} className="chart__grid" />
            <text x={2} y={py(y) + 4} className="chart__axis">{Math.round(y * 100)}%</text>
          </g>
        ))}
        {series.attendance.length > 0 && <path d={path(series.attendance)} className="chart__attendance" />}
        {series.grades.length > 1 && <path d={path(series.grades)} className="chart__grades" />}
        {series.grades.map((g, i) => (
          <circle key={i} cx={px(g.x)} cy={py(g.y)} r={4} className="chart__grade-dot" />
        ))}
      </svg>
      <figcaption className="chart__legend">
        <span className="legend legend--grades">{t("progress.grades")}</span>
        <span className="legend legend--attendance">{t("progress.attendance")}</span>
      </figcaption>
    </figure>
  );
}
