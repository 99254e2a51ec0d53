import type { ReactNode } from "react";
import { NavLink } from "react-router-dom";
import { useI18n } from "../../../lib/i18n";
import { NotificationsBell } from "../../notifications/components/NotificationsBell";
import { TopBar } from "../../auth/components/TopBar";
import { useFlushKept, useOnline, useOutbox, useSheetTransport } from "../useOutbox";

export function TeacherLayout({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const online = useOnline();
  const outbox = useOutbox();
  // Sheets kept on this phone go out from any screen of the cabinet, as soon as the network allows.
  useFlushKept(outbox, useSheetTransport());
  return (
    <div className="shell">
      <TopBar role={t("teacher.cabinet")} extra={<NotificationsBell to="/t/notifications" stamp={null} />} />
      <nav className="sections" aria-label={t("nav.sections")}>
        <ul>
          <li>
            <NavLink end to="/t" className={({ isActive }) => (isActive ? "section section--active" : "section")}>
              {t("teacher.myLessons")}
            </NavLink>
          </li>
        </ul>
      </nav>
      {!online && <p className="note note--warn offline-banner" role="status" data-testid="offline">{t("teacher.offline")}</p>}
      <main id="main" className="content" tabIndex={-1}>{children}</main>
    </div>
  );
}
