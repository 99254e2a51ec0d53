import type { ReactNode } from "react";
import { NavLink } from "react-router-dom";
import { ChildSwitch } from "../features/family/components/ChildSwitch";
import { useActivityStamp, type Child, type Family } from "../features/family/context";
import { NotificationsBell } from "../features/notifications/components/NotificationsBell";
import { TopBar } from "../features/auth/components/TopBar";
import { useI18n, type MessageKey } from "../lib/i18n";

const SECTIONS: { path: string; key: MessageKey }[] = [
  { path: "", key: "nav.home" },
  { path: "lessons", key: "nav.lessons" },
  { path: "money", key: "nav.money" },
  { path: "progress", key: "nav.progress" },
  { path: "book", key: "nav.book" },
  { path: "questions", key: "nav.questions" },
  { path: "privacy", key: "nav.privacy" },
];

export function CabinetLayout({ family, child, children }: { family: Family; child?: Child; children: ReactNode }) {
  const { t } = useI18n();
  const stamp = useActivityStamp();
  // the notifications are the guardian's, shown beside a child's sections (the one open, else the first)
  const near = child ?? family.students.find((s) => !s.erased);
  return (
    <div className="shell">
      <TopBar extra={near && <NotificationsBell to={`/c/${near.id}/notifications`} stamp={stamp} />} />
      <ChildSwitch students={family.students} currentId={child?.id ?? ""}
        extra={<NavLink className="child child--add" to="/family/add-child">+ {t("nav.addChild")}</NavLink>} />
      {child && (
        <nav className="sections" aria-label={t("nav.sections")}>
          <ul>
            {SECTIONS.map((s) => (
              <li key={s.path}>
                <NavLink end={s.path === ""} to={s.path ? `/c/${child.id}/${s.path}` : `/c/${child.id}`}
                  className={({ isActive }) => (isActive ? "section section--active" : "section")}>
                  {t(s.key)}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <main id="main" className="content" tabIndex={-1}>{children}</main>
    </div>
  );
}
