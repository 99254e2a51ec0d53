import { useId } from "react";
import { digitsOnly, type DateParts } from "../lib/birthdate";
import { useI18n } from "../lib/i18n";

/** Day, month, year as three empty fields: nothing is ever filled in for the parent (R-WEB-3). */
export function BirthDateInput({ value, onChange, legend, error }: {
  value: DateParts; onChange: (value: DateParts) => void; legend: string; error?: string | null;
}) {
  const { t } = useI18n();
  const id = useId();
  return (
    <fieldset className="date-input" aria-describedby={error ? `${id}-error` : undefined}>
      <legend className="field__label">{legend}</legend>
      <div className="date-input__parts">
        <label>
          <span className="date-input__hint">{t("date.day")}</span>
          <input name="birth-day" inputMode="numeric" autoComplete="off" placeholder={t("date.dayPlaceholder")}
            value={value.day} maxLength={2} size={2}
            onChange={(e) => onChange({ ...value, day: digitsOnly(e.target.value, 2) })} />
        </label>
        <label>
          <span className="date-input__hint">{t("date.month")}</span>
          <input name="birth-month" inputMode="numeric" autoComplete="off" placeholder={t("date.monthPlaceholder")}
            value={value.month} maxLength={2} size={2}
            onChange={(e) => onChange({ ...value, month: digitsOnly(e.target.value, 2) })} />
        </label>
        <label>
          <span className="date-input__hint">{t("date.year")}</span>
          <input name="birth-year" inputMode="numeric" autoComplete="off" placeholder={t("date.yearPlaceholder")}
            value={value.year} maxLength={4} size={4}
            onChange={(e) => onChange({ ...value, year: digitsOnly(e.target.value, 4) })} />
        </label>
      </div>
      {error && <p id={`${id}-error`} className="note note--error" role="alert">{error}</p>}
    </fieldset>
  );
}
