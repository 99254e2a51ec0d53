import type { ReactNode } from "react";
import { useNavigate } from "react-router-dom";
import { useClient } from "urql";
import { LanguageSwitch } from "../../../components/LanguageSwitch";
import { useI18n } from "../../../lib/i18n";
import { signOut } from "../session";

/** Every cabinet's top: the skip link, the brand (and whose cabinet), the cabinet's own link (`extra`: the family's
 * notifications), the language and signing out. */
export function TopBar({ role, extra }: { role?: ReactNode; extra?: ReactNode }) {
  const { t } = useI18n();
  const client = useClient();
  const navigate = useNavigate();
  const onSignOut = async () => {
    await signOut(client);
    navigate("/signin", { replace: true });
  };
  return (
    <>
      <a className="skip" href="#main">{t("common.skip")}</a>
      <header className="topbar">
        <span className="brand">Kabinet{role && <> <span className="brand__role">{role}</span></>}</span>
        <div className="topbar__actions">
          {extra}
          <LanguageSwitch />
          <button type="button" className="link-button" onClick={() => void onSignOut()}>{t("nav.signOut")}</button>
        </div>
      </header>
    </>
  );
}
