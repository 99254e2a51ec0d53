import { useId, useRef, useState, type FormEvent } from "react";
import { useMutation } from "urql";
import { Money } from "../../../components/ui";
import type { MonthLessonFieldsFragment } from "../../../gql/graphql";
import { describeCombined, describeError } from "../../../lib/errors";
import { useI18n, type Translate } from "../../../lib/i18n";
import { SetDraftLessonPrice } from "../api/operations";
import { parsePrice } from "../monthPlan";

/** A draft lesson's price, changed in place before the month is published (setDraftLessonPrice); a published one
 * is only shown (billing charges its published price). */
// Words are chosen at render, so a refusal on screen follows a change of language.
type Problem = (t: Translate) => string;

export function PriceCell({ lesson, date, onSaved }: {
  lesson: MonthLessonFieldsFragment; date: string; onSaved: () => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [state, save] = useMutation(SetDraftLessonPrice);
  const busy = useRef(false);
  const editable = !lesson.published && lesson.status !== "cancelled";

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const price = parsePrice(value);
    if (price === null) {
      setProblem(() => (tr: Translate) => tr("admin.month.badPrice"));
      return;
    }
    if (busy.current) return;
    busy.current = true;
    try {
      const r = await save({ lessonId: lesson.id, price });
      const first = r.data?.setDraftLessonPrice.errors[0];
      if (!r.data || first) {
        const error = r.error;
        setProblem(() => (tr: Translate) => (first ? describeError(tr, first) : describeCombined(tr, error) ?? tr("error.generic")));
        return;
      }
      setProblem(null);
      setEditing(false);
      onSaved();
    } finally {
      busy.current = false;
    }
  };

  if (!editing) {
    return (
      <span className="price-cell">
        <Money value={lesson.price} />
        {editable && (
          <button type="button" className="link-button" aria-label={t("admin.month.changePriceOf", { date })}
            onClick={() => { setValue(lesson.price.amount); setEditing(true); }}>
            {t("admin.month.changePrice")}
          </button>
        )}
      </span>
    );
  }
  return (
    <form className="price-form" onSubmit={(e) => void onSubmit(e)} noValidate>
      <label className="visually-hidden" htmlFor={id}>{t("admin.month.newPrice", { date })}</label>
      <input id={id} name="price" inputMode="decimal" autoComplete="off" size={8} value={value} autoFocus
        aria-invalid={problem ? true : undefined} aria-describedby={problem ? `${id}-error` : undefined}
        onChange={(e) => setValue(e.target.value)} />
      <button type="submit" className="button" aria-disabled={state.fetching}>{t("admin.month.savePrice")}</button>
      <button type="button" className="link-button" onClick={() => { setEditing(false); setProblem(null); }}>
        {t("common.cancel")}
      </button>
      {problem && <p id={`${id}-error`} className="note note--error" role="alert">{problem(t)}</p>}
    </form>
  );
}
