import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";
import { useMutation } from "urql";
import { useReloadFrame } from "../../family/context";
import { BirthDateInput } from "../../../components/BirthDateInput";
import { Card, ErrorNote, InfoNote, PageTitle } from "../../../components/ui";
import { EMPTY_DATE, parseBirthDate, type DateParts } from "../../../lib/birthdate";
import { describeCombined, describeError } from "../../../lib/errors";
import { useI18n, type MessageKey } from "../../../lib/i18n";
import { startSession, toSession } from "../../auth/session";
import { ConfirmLinkRecords, LinkRecords } from "../api/operations";

/** Link records a branch already has (phone + child's birth date + surname, R-FAM-6). */
export default function LinkRecordsPage() {
  const { t } = useI18n();
  const [state, link] = useMutation(LinkRecords);
  const [confirmState, confirm] = useMutation(ConfirmLinkRecords);
  const [pending, setPending] = useState<string | null>(null);
  const [code, setCode] = useState("");
  const reloadFrame = useReloadFrame();
  const navigate = useNavigate();
  const [phone, setPhone] = useState("");
  const [lastName, setLastName] = useState("");
  const [birth, setBirth] = useState<DateParts>(EMPTY_DATE);
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
    const result = await link({ input: { phone: phone.trim(), birthDate: parsed.iso, lastName: lastName.trim() } });
    const payload = result.data?.linkRecords;
    if (payload?.status === "PENDING_CONFIRMATION" && payload.confirmation) {
      setPending(payload.confirmation.id);
    } else if (payload?.session) {
      startSession(toSession(payload.session));
      await reloadFrame();
      navigate("/", { replace: true });
    } else {
      const first = payload?.errors[0];
      setError(first ? describeError(t, first) : describeCombined(t, result.error));
    }
  };
  const onConfirm = async (event: FormEvent) => {
    event.preventDefault();
    if (!pending) return;
    setError(null);
    const result = await confirm({ confirmationId: pending, code });
    const payload = result.data?.confirmLinkRecords;
    if (payload?.session) {
      startSession(toSession(payload.session));
      await reloadFrame();
      navigate("/", { replace: true });
    } else {
      const first = payload?.errors[0];
      setError(first ? describeError(t, first) : describeCombined(t, result.error));
    }
  };
  if (pending) {
    return (
      <div>
        <PageTitle>{t("link.title")}</PageTitle>
        <Card>
          <form className="form" onSubmit={onConfirm} noValidate>
            <InfoNote>{t("link.pending")}</InfoNote>
            <label className="field">
              <span className="field__label">{t("signin.code")}</span>
              <input name="link-code" inputMode="numeric" autoComplete="one-time-code" maxLength={6} value={code}
                onChange={(e) => setCode(e.target.value.replace(/\D/g, "").slice(0, 6))} />
            </label>
            {error && <ErrorNote>{error}</ErrorNote>}
            <button type="submit" className="button button--primary" disabled={confirmState.fetching || code.length !== 6}>
              {t("link.confirm")}
            </button>
          </form>
        </Card>
      </div>
    );
  }
  return (
    <div>
      <PageTitle>{t("link.title")}</PageTitle>
      <p className="muted">{t("link.text")}</p>
      <Card>
        <form className="form" onSubmit={onSubmit} noValidate>
          <label className="field">
            <span className="field__label">{t("link.phone")}</span>
            <input name="link-phone" type="tel" value={phone} onChange={(e) => setPhone(e.target.value)} autoComplete="off" />
          </label>
          <BirthDateInput value={birth} onChange={setBirth} legend={t("link.birthDate")} error={dateError} />
          <label className="field">
            <span className="field__label">{t("link.lastName")}</span>
            <input name="link-last-name" value={lastName} onChange={(e) => setLastName(e.target.value)} autoComplete="off" />
          </label>
          {error && <ErrorNote>{error}</ErrorNote>}
          <button type="submit" className="button button--primary" disabled={state.fetching || !phone.trim() || !lastName.trim()}>
            {t("link.submit")}
          </button>
        </form>
      </Card>
    </div>
  );
}
