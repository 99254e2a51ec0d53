import { useState, type ReactNode } from "react";
import { useNavigate } from "react-router-dom";
import { useMutation } from "urql";
import { Card, ErrorNote, PageTitle } from "../../../components/ui";
import { describeCombined, describeError } from "../../../lib/errors";
import { useI18n } from "../../../lib/i18n";
import { useCabinet } from "../../family/context";
import { EraseStudent, SetChildConsent } from "../api/operations";

interface ConfirmedProps {
  id: string;
  start: string;
  startClass: string;
  question: string;
  final: string;
  /** The final button waits for this (e.g. the child's name typed). */
  ready: boolean;
  busy: boolean;
  error: string | null;
  onConfirm: () => void;
  onCancel?: () => void;
  children?: ReactNode;
}

/** An action that asks first: a button, then the question, any extra input, "cancel" and the final button. */
function Confirmed({ id, start, startClass, question, final, ready, busy, error, onConfirm, onCancel,
  children }: ConfirmedProps) {
  const { t } = useI18n();
  const [confirming, setConfirming] = useState(false);
  if (!confirming) {
    return <button type="button" className={startClass} onClick={() => setConfirming(true)}>{start}</button>;
  }
  return (
    <div className="form" role="group" aria-labelledby={id}>
      <p id={id}><strong>{question}</strong></p>
      {children}
      {error && <ErrorNote>{error}</ErrorNote>}
      <div className="row">
        <button type="button" className="button" onClick={() => { setConfirming(false); onCancel?.(); }}>
          {t("common.cancel")}
        </button>
        <button type="button" className="button button--danger" disabled={busy || !ready} onClick={onConfirm}>
          {final}
        </button>
      </div>
    </div>
  );
}

/** The child's consent: give it, or withdraw it after a confirmation (a guardian of the family only). */
function ConsentCard() {
  const { t } = useI18n();
  const { child, refetchFamily } = useCabinet();
  const [state, setConsent] = useMutation(SetChildConsent);
  const [error, setError] = useState<string | null>(null);
  const change = async (given: boolean) => {
    setError(null);
    const result = await setConsent({ studentId: child.id, given });
    const payload = result.data?.setChildConsent;
    if (payload?.student) {
      refetchFamily();
    } else {
      const first = payload?.errors[0];
      setError(first ? describeError(t, first) : describeCombined(t, result.error));
    }
  };
  return (
    <Card title={t("privacy.consent")}>
      <p data-testid="consent-status">
        {child.consentRecorded ? t("privacy.consentGiven", { name: child.firstName }) : t("privacy.consentMissing")}
      </p>
      <p className="muted">{t("privacy.consentText")}</p>
      {child.consentRecorded ? (
        <Confirmed key="withdraw" id="withdraw-confirm" start={t("privacy.consentWithdraw")} startClass="button"
          question={t("privacy.consentWithdrawConfirm", { name: child.firstName })}
          final={t("privacy.consentWithdrawFinal")} ready busy={state.fetching} error={error}
          onConfirm={() => void change(false)} />
      ) : (
        <>
          {error && <ErrorNote>{error}</ErrorNote>}
          <button type="button" className="button button--primary" disabled={state.fetching}
            onClick={() => void change(true)}>
            {t("privacy.consentGive")}
          </button>
        </>
      )}
    </Card>
  );
}

export default function PrivacyPage() {
  const { t } = useI18n();
  const { child, refetchFamily } = useCabinet();
  const navigate = useNavigate();
  const [state, erase] = useMutation(EraseStudent);
  const [typed, setTyped] = useState("");
  const [error, setError] = useState<string | null>(null);
  const onErase = async () => {
    setError(null);
    const result = await erase({ studentId: child.id });
    const payload = result.data?.eraseStudent;
    if (payload?.student?.erased) {
      refetchFamily();
      navigate("/", { replace: true });
    } else {
      const first = payload?.errors[0];
      setError(first ? describeError(t, first) : describeCombined(t, result.error));
    }
  };
  return (
    <div>
      <PageTitle>{t("privacy.title")}</PageTitle>
      <ConsentCard />
      <Card title={t("privacy.erase")} className="card--danger">
        <p>{t("privacy.eraseText", { name: child.firstName })}</p>
        <Confirmed id="erase-confirm" start={t("privacy.eraseStart")} startClass="button button--danger"
          question={t("privacy.eraseConfirm", { name: child.firstName })} final={t("privacy.eraseFinal")}
          ready={typed.trim().toLowerCase() === child.firstName.toLowerCase()} busy={state.fetching} error={error}
          onConfirm={() => void onErase()} onCancel={() => setTyped("")}>
          <label className="field">
            <span className="field__label">{t("privacy.typeName", { name: child.firstName })}</span>
            <input name="confirm-name" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
          </label>
        </Confirmed>
      </Card>
    </div>
  );
}
