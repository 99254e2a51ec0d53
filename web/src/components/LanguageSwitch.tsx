import { useI18n, type Locale } from "../lib/i18n";

export function LanguageSwitch() {
  const { locale, setLocale, t } = useI18n();
  const other: Locale = locale === "ru" ? "en" : "ru";
  return (
    <button type="button" className="link-button lang" onClick={() => setLocale(other)}
      aria-label={t("common.switchLanguage")} lang={other}>
      {other === "en" ? "English" : "Русский"}
    </button>
  );
}
