import type { ReactNode } from "react";
import { NavLink, useLocation } from "react-router-dom";
import { useI18n } from "../../../lib/i18n";
import { switchTarget } from "../childSwitch";
import type { Child } from "../context";

/**
 * Every child's name at the top with the count of their lessons still to come (the glossary's «забронированные
 * уроки»: group lessons as well as bookings); one tap switches (R-WEB-2).
 */
export function ChildSwitch({ students, currentId, extra }: {
  students: readonly Child[]; currentId: string; extra?: ReactNode;
}) {
  const { t } = useI18n();
  const { pathname } = useLocation();
  return (
    <nav className="children" aria-label={t("family.children")}>
      <ul>
        {students.filter((s) => !s.erased).map((child) => (
          <li key={child.id}>
            <NavLink to={switchTarget(pathname, child.id)} data-testid="child-tab"
              className={child.id === currentId ? "child child--active" : "child"}
              aria-current={child.id === currentId ? "page" : undefined}>
              <span className="child__name">{child.firstName}</span>
              {/* The number alone is seen; the words are read out (a label on a bare span is not announced). */}
              <span className="child__count" aria-hidden="true"
                title={t("family.booked", { count: child.upcomingLessonsCount })}>
                {child.upcomingLessonsCount}
              </span>
              <span className="visually-hidden">{t("family.booked", { count: child.upcomingLessonsCount })}</span>
            </NavLink>
          </li>
        ))}
        {extra && <li>{extra}</li>}
      </ul>
    </nav>
  );
}
