import { useId, useState, type FormEvent, type ReactNode } from "react";
import { BirthDateInput } from "../../../components/BirthDateInput";
import type { LeadInput, LeadStaffQuery } from "../../../gql/graphql";
import { useI18n, type MessageKey } from "../../../lib/i18n";
import { leadInput, SOURCES, type LeadField, type LeadForm as Form, type LeadProblem, type LeadProblems } from "../leads";

type Staff = LeadStaffQuery["staffMembers"];

function problemKey(problem: LeadProblem): MessageKey {
  if (problem.startsWith("birth.")) return `date.problem.${problem.slice(6)}` as MessageKey;
  return `admin.lead.problem.${problem}` as MessageKey;
}

/** A lead's details, to create or to rewrite (R-CRM-1): the contact, the child (age or birth date, nothing filled in
 * for the admin: R-WEB-3), what they want, where they came from. Checked before sending; the parent sends it. */
export function LeadForm({ initial, staff, submitLabel, busy, onSubmit, outcome, onCancel }: {
  initial: Form; staff: Staff; submitLabel: string; busy: boolean;
  onSubmit: (input: LeadInput) => void; outcome?: ReactNode; onCancel?: () => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const [form, setForm] = useState<Form>(initial);
  const [problems, setProblems] = useState<LeadProblems>({});
  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = leadInput(form);
    if (!parsed.ok) {
      setProblems(parsed.problems);
      return;
    }
    setProblems({});
    if (!busy) onSubmit(parsed.input);
  };
  const err = (field: LeadField) => problems[field];
  // Each field's label, its refusal (linked by aria-describedby) and aria-invalid, alike for all of them.
  const text = (field: keyof Form, label: MessageKey, options: {
    problem?: LeadField; type?: string; autoComplete?: string; inputMode?: "tel" | "email" | "numeric"; optional?: boolean;
    multiline?: boolean;
  } = {}) => {
    const problem = options.problem ? err(options.problem) : undefined;
    const fieldId = `${id}-${field}`;
    const common = {
      id: fieldId, name: field, value: form[field] as string,
      "aria-invalid": problem ? true : undefined, "aria-describedby": problem ? `${fieldId}-error` : undefined,
    };
    return (
      <div className="field">
        <label className="field__label" htmlFor={fieldId}>
          {t(label)}{options.optional && <span className="muted"> ({t("admin.lead.optional")})</span>}
        </label>
        {options.multiline
          ? <textarea {...common} rows={3} onChange={(e) => set(field, e.target.value as never)} />
          : <input {...common} type={options.type ?? "text"} autoComplete={options.autoComplete ?? "off"}
            inputMode={options.inputMode} onChange={(e) => set(field, e.target.value as never)} />}
        {problem && <p id={`${fieldId}-error`} className="field__error">{t(problemKey(problem))}</p>}
      </div>
    );
  };
  const sourceProblem = err("source");
  const ageProblem = err("childAge");
  const birthProblem = err("birth");
  const any = Object.keys(problems).length > 0;
  return (
    <form className="form lead-form" onSubmit={submit} noValidate data-testid="lead-form">
      <fieldset className="lead-form__group">
        <legend className="lead-form__legend">{t("admin.lead.contact")}</legend>
        {text("contactFirstName", "admin.lead.contactFirstName", { problem: "contactFirstName" })}
        {text("contactLastName", "admin.lead.contactLastName", { optional: true })}
        {text("phone", "admin.lead.phone", { problem: "phone", type: "tel", inputMode: "tel" })}
        {text("email", "admin.lead.email", { type: "email", inputMode: "email", optional: true })}
      </fieldset>
      <fieldset className="lead-form__group">
        <legend className="lead-form__legend">{t("admin.lead.child")}</legend>
        {text("childFirstName", "admin.lead.childFirstName", { problem: "childFirstName" })}
        {text("childLastName", "admin.lead.childLastName", { optional: true })}
        <p className="muted" id={`${id}-age-hint`}>{t("admin.lead.ageHint")}</p>
        <div className="field">
          <label className="field__label" htmlFor={`${id}-age`}>{t("admin.lead.childAge")}</label>
          <input id={`${id}-age`} name="childAge" inputMode="numeric" autoComplete="off" maxLength={2} size={3}
            className="lead-form__age" value={form.childAge}
            aria-invalid={ageProblem ? true : undefined}
            aria-describedby={ageProblem ? `${id}-age-error ${id}-age-hint` : `${id}-age-hint`}
            onChange={(e) => set("childAge", e.target.value.replace(/\D/g, "").slice(0, 2))} />
          {ageProblem && <p id={`${id}-age-error`} className="field__error">{t(problemKey(ageProblem))}</p>}
        </div>
        <BirthDateInput value={form.birth} onChange={(birth) => set("birth", birth)} legend={t("admin.lead.birthDate")}
          error={birthProblem ? t(problemKey(birthProblem)) : null} />
      </fieldset>
      <fieldset className="lead-form__group">
        <legend className="lead-form__legend">{t("admin.lead.details")}</legend>
        {text("interest", "admin.lead.interest", { optional: true, multiline: true })}
        <div className="field">
          <label className="field__label" htmlFor={`${id}-source`}>{t("admin.lead.source")}</label>
          <select id={`${id}-source`} name="source" value={form.source}
            aria-invalid={sourceProblem ? true : undefined}
            aria-describedby={sourceProblem ? `${id}-source-error` : undefined}
            onChange={(e) => set("source", e.target.value as Form["source"])}>
            <option value="">{t("admin.lead.choose")}</option>
            {SOURCES.map((s) => <option key={s} value={s}>{t(`admin.lead.source.${s}` as MessageKey)}</option>)}
          </select>
          {sourceProblem && <p id={`${id}-source-error`} className="field__error">{t(problemKey(sourceProblem))}</p>}
        </div>
        {text("sourceDetail", "admin.lead.sourceDetail", { optional: true })}
        <div className="field">
          <label className="field__label" htmlFor={`${id}-staff`}>{t("admin.lead.assigned")}</label>
          <select id={`${id}-staff`} name="assignedStaffId" value={form.assignedStaffId}
            onChange={(e) => set("assignedStaffId", e.target.value)}>
            <option value="">{t("admin.lead.nobody")}</option>
            {staff.map((s) => <option key={s.id} value={s.id}>{s.lastName} {s.firstName}</option>)}
          </select>
        </div>
        {text("notes", "admin.lead.notes", { optional: true, multiline: true })}
      </fieldset>
      {any && <p className="note note--error" role="alert">{t("admin.lead.problems")}</p>}
      {outcome}
      <div className="row">
        <button type="submit" className="button button--primary" aria-disabled={busy}>
          {busy ? t("admin.lead.saving") : submitLabel}
        </button>
        {onCancel && <button type="button" className="button" onClick={onCancel}>{t("common.cancel")}</button>}
      </div>
    </form>
  );
}
