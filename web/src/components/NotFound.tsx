import { Link } from "react-router-dom";
import { useI18n } from "../lib/i18n";

export function NotFound() {
  const { t } = useI18n();
  return (
    <div className="not-found" data-testid="not-found">
      <h1 className="page-title">{t("notFound.title")}</h1>
      <p>{t("notFound.text")}</p>
      <Link className="button" to="/">{t("notFound.home")}</Link>
    </div>
  );
}
