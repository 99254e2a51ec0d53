import { useId, type ReactNode } from "react";
import { NavLink } from "react-router-dom";
import { useI18n } from "../../../lib/i18n";
import { NotificationsBell } from "../../notifications/components/NotificationsBell";
import { TopBar } from "../../auth/components/TopBar";
import { useAdmin } from "../useAdmin";

const sectionClass = ({ isActive }: { isActive: boolean }) => (isActive ? "section section--active" : "section");

export function AdminLayout({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const { branches, branch, setBranchId } = useAdmin();
  const id = useId();
  return (
    <div className="shell shell--wide">
      <TopBar role={t("admin.cabinet")} extra={<NotificationsBell to="/a/notifications" stamp={null} />} />
      <nav className="sections" aria-label={t("nav.sections")}>
        <ul>
          <li><NavLink end to="/a" className={sectionClass}>{t("admin.nav.month")}</NavLink></li>
          <li><NavLink to="/a/clients" className={sectionClass}>{t("admin.nav.clients")}</NavLink></li>
          <li><NavLink to="/a/leads" className={sectionClass}>{t("admin.nav.leads")}</NavLink></li>
          <li><NavLink to="/a/funnel" className={sectionClass}>{t("admin.nav.funnel")}</NavLink></li>
        </ul>
      </nav>
      <div className="admin-branch">
        {branches.length > 1 ? (
          <label className="field" htmlFor={id}>
            <span className="field__label">{t("admin.branch")}</span>
            <select id={id} name="branch" value={branch.id} onChange={(e) => setBranchId(e.target.value)}>
              {branches.map((b) => <option key={b.id} value={b.id}>{b.name} ({b.city})</option>)}
            </select>
          </label>
        ) : (
          <p className="muted" data-testid="admin-branch">{t("admin.branch")}: {branch.name} ({branch.city})</p>
        )}
      </div>
      <main id="main" className="content" tabIndex={-1}>{children}</main>
    </div>
  );
}
