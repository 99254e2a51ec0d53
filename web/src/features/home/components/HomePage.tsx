import { Link } from "react-router-dom";
import { Card, Empty, Money, PageTitle, Spinner } from "../../../components/ui";
import { formatDateTime } from "../../../lib/format";
import { useI18n, type MessageKey } from "../../../lib/i18n";
import { useCabinet } from "../../family/context";
import { LessonRow } from "../../lessons/components/LessonRow";

export default function HomePage() {
  const { t, locale } = useI18n();
  // The home's data comes with the cabinet's frame in one query (app/CabinetRoutes), which the family's one
  // live subscription refetches on a balance change or a child's grade or homework.
  const { child, family, timeZone, home: student } = useCabinet();

  const balance = family.account?.balance ?? student?.familyBalance ?? null;
  const remaining = family.remainingLessons;
  const grades = (student?.pastLessons.edges ?? []).map((e) => e.node).filter((n) => n.grade);
  return (
    <div data-testid="child-home" data-loaded={student ? "true" : "false"}>
      <PageTitle>{child.firstName} {child.lastName}</PageTitle>
      <div className="tiles">
        <Link to={`/c/${child.id}/money`} className="tile" data-testid="family-balance">
          <span className="tile__label">{t("home.balance")}</span>
          <span className="tile__value">{balance ? <Money value={balance} /> : "—"}</span>
          {family.account?.inDebt && <span className="badge badge--warn">{t("home.debt")}</span>}
        </Link>
        <div className="tile" data-testid="lessons-left">
          <span className="tile__label">{t("home.lessonsLeft")}</span>
          <span className="tile__value">{remaining === null ? t("home.unlimited") : remaining}</span>
          <span className="tile__hint">{t("home.familyPackages")}</span>
        </div>
      </div>
      {!student ? <Spinner /> : (
        <>
          <Card title={t("home.next")} action={<Link to={`/c/${child.id}/lessons`}>{t("home.allLessons")}</Link>}>
            {student.lessons.edges.length === 0 ? <Empty>{t("home.noNext")}</Empty> : (
              <ul className="list">
                {student.lessons.edges.map(({ node }) => (
                  <LessonRow key={node.id} lesson={node} childId={child.id} timeZone={timeZone} />
                ))}
              </ul>
            )}
          </Card>
          <Card title={t("home.grades")} action={<Link to={`/c/${child.id}/progress`}>{t("home.progress")}</Link>}>
            {grades.length === 0 ? <Empty>{t("home.noGrades")}</Empty> : (
              <ul className="list" data-testid="latest-grades">
                {grades.map((g) => (
                  <li key={g.lessonId} className="grade-row">
                    <Link to={`/c/${child.id}/lessons/${g.lessonId}`}>
                      <span className="grade" aria-label={t("lesson.grade")}>{g.grade}</span>
                      <span>{formatDateTime(g.startsAt, locale, timeZone)}</span>
                      {g.attendance && <span className="muted">{t(`attendance.${g.attendance}` as MessageKey)}</span>}
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </Card>
          <Card title={t("home.homework")}>
            {student.homework.length === 0 ? <Empty>{t("home.noHomework")}</Empty> : (
              <ul className="list">
                {student.homework.map((h) => (
                  <li key={h.lessonId} className="homework-row">
                    <p>{h.text}</p>
                    {h.dueAt && <p className="muted">{t("home.due", { when: formatDateTime(h.dueAt, locale, timeZone) })}</p>}
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </>
      )}
    </div>
  );
}
