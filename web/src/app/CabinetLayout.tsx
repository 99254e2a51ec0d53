import type { ReactNode } from "react";
import { NavLink, useNavigate } from "react-router-dom";
import { useClient } from "urql";
import { LanguageSwitch } from "../components/LanguageSwitch";
import { ChildSwitch } from "../features/family/components/ChildSwitch";
import type { Child, Family } from "../features/family/context";
import { signOut } from "../features/auth/session";
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
  const client = useClient();
  const navigate = useNavigate();
  const onSignOut = async () => {
    await signOut(client);
    navigate("/signin", { replace: true });
  };
  return (
    <div className="shell">
      <a className="skip" href="#main">{t("common.skip")}</a>
      <header className="topbar">
        <span className="brand">Kabinet</span>
        <div className="topbar__actions">
          <LanguageSwitch />
          <button type="button" className="link-button" onClick={() => void onSignOut()}>{t("nav.signOut")}</button>
        </div>
      </header>
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
