import { useId, useState, type FormEvent } from "react";
import { digitsOnly } from "../../../lib/birthdate";
import { formatMonth } from "../../../lib/format";
import { useI18n } from "../../../lib/i18n";
import { monthParts, parseMonth, type MonthParts, type MonthProblem } from "../../../lib/month";

const MONTHS = Array.from({ length: 12 }, (_, i) => i + 1);

/** The month and the year as the admin chooses them: both start empty (or as the address has them) and nothing is
 * filled in for them (R-WEB-3); a month opens only on "Open the month". */
export function MonthPicker({ value, onPick, legend }: {
  value: string | null; onPick: (month: string) => void; legend?: string;
}) {
  const { t, locale } = useI18n();
  const id = useId();
  const [parts, setParts] = useState<MonthParts>(() => monthParts(value));
  const [problem, setProblem] = useState<MonthProblem | null>(null);
  const monthName = (m: number) => formatMonth(2000, m, locale).replace(/\s*2000$/, "");
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseMonth(parts);
    if (!parsed.ok) {
      setProblem(parsed.problem);
      return;
    }
    setProblem(null);
    onPick(parsed.month);
  };
  return (
    <form className="month-picker" onSubmit={onSubmit} noValidate>
      <fieldset className="date-input" aria-describedby={problem ? `${id}-error` : undefined}>
        <legend className="field__label">{legend ?? t("admin.month.pick")}</legend>
        <div className="date-input__parts">
          <label>
            <span className="date-input__hint">{t("admin.month.month")}</span>
            <select name="month" value={parts.month} onChange={(e) => setParts({ ...parts, month: e.target.value })}>
              <option value="">{t("admin.month.choose")}</option>
              {MONTHS.map((m) => <option key={m} value={String(m)}>{monthName(m)}</option>)}
            </select>
          </label>
          <label>
            <span className="date-input__hint">{t("admin.month.year")}</span>
            <input name="year" inputMode="numeric" autoComplete="off" placeholder={t("date.yearPlaceholder")}
              value={parts.year} maxLength={4} size={4}
              onChange={(e) => setParts({ ...parts, year: digitsOnly(e.target.value, 4) })} />
          </label>
          <button type="submit" className="button button--primary">{t("admin.month.open")}</button>
        </div>
      </fieldset>
      {problem && <p id={`${id}-error`} className="note note--error" role="alert">
        {t(problem === "incomplete" ? "admin.month.incomplete" : "admin.month.invalid")}</p>}
    </form>
  );
}
