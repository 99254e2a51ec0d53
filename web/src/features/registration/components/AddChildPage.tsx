import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { useMutation, useQuery } from "urql";
import { BirthDateInput } from "../../../components/BirthDateInput";
import { Card, ErrorNote, InfoNote, PageTitle } from "../../../components/ui";
import { EMPTY_DATE, parseBirthDate, type DateParts } from "../../../lib/birthdate";
import { describeCombined, describeError } from "../../../lib/errors";
import { useI18n, type MessageKey } from "../../../lib/i18n";
import { AddChild, Branches } from "../api/operations";
import { useReloadFrame } from "../../family/context";
import { refresh } from "../../../lib/session";

export default function AddChildPage() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [{ data: branches }] = useQuery({ query: Branches });
  const reloadFrame = useReloadFrame();
  const [state, add] = useMutation(AddChild);
  const [firstName, setFirstName] = useState("");
  const [lastName, setLastName] = useState("");
  const [branchId, setBranchId] = useState("");
  const [birth, setBirth] = useState<DateParts>(EMPTY_DATE);
  const [consent, setConsent] = useState(false);
  const [dateError, setDateError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const parsed = parseBirthDate(birth);
    if (!parsed.ok) {
      setDateError(t(`date.problem.${parsed.problem}` as MessageKey));
      return;
    }
    setDateError(null);
    if (!consent) {
      setError(t("error.CONSENT_REQUIRED"));
      return;
    }
    const result = await add({ input: {
      firstName: firstName.trim(), lastName: lastName.trim(), birthDate: parsed.iso, consent, branchId: branchId || null,
    } });
    const payload = result.data?.addChild;
    if (payload?.student) {
      // The new child is in the family from now: new tokens name it, and the cabinet's frame reloads.
      await refresh();
      await reloadFrame();
      navigate(`/c/${payload.student.id}`, { replace: true });
    } else {
      const first = payload?.errors[0];
      setError(first ? describeError(t, first) : describeCombined(t, result.error));
    }
  };

  return (
    <div>
      <PageTitle>{t("addChild.title")}</PageTitle>
      {params.get("welcome") && <InfoNote>{t("addChild.welcome")}</InfoNote>}
      <Card>
        <form className="form" onSubmit={onSubmit} noValidate>
          <label className="field">
            <span className="field__label">{t("register.firstName")}</span>
            <input name="child-first-name" value={firstName} onChange={(e) => setFirstName(e.target.value)} autoComplete="off" />
          </label>
          <label className="field">
            <span className="field__label">{t("register.lastName")}</span>
            <input name="child-last-name" value={lastName} onChange={(e) => setLastName(e.target.value)} autoComplete="off" />
          </label>
          <BirthDateInput value={birth} onChange={setBirth} legend={t("addChild.birthDate")} error={dateError} />
          <label className="field">
            <span className="field__label">{t("addChild.branch")}</span>
            <select name="branch" value={branchId} onChange={(e) => setBranchId(e.target.value)}>
              <option value="">{t("addChild.chooseBranch")}</option>
              {(branches?.branches ?? []).map((b) => <option key={b.id} value={b.id}>{b.name} ({b.city})</option>)}
            </select>
          </label>
          <label className="check">
            <input type="checkbox" name="consent" checked={consent} onChange={(e) => setConsent(e.target.checked)} />
            {t("addChild.consent")}
          </label>
          {error && <ErrorNote>{error}</ErrorNote>}
          <button type="submit" className="button button--primary" disabled={state.fetching || !firstName.trim() || !lastName.trim()}>
            {t("addChild.submit")}
          </button>
        </form>
      </Card>
      <p className="muted">{t("addChild.haveRecords")} <Link to="/family/link">{t("addChild.link")}</Link></p>
    </div>
  );
}
