import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { useMutation } from "urql";
import { Card, ErrorNote, PageTitle } from "../../../components/ui";
import { describeCombined, describeError } from "../../../lib/errors";
import { useI18n } from "../../../lib/i18n";
import { useCabinet } from "../../family/context";
import { EraseStudent } from "../api/operations";

export default function PrivacyPage() {
  const { t } = useI18n();
  const { child, refetchFamily } = useCabinet();
  const navigate = useNavigate();
  const [state, erase] = useMutation(EraseStudent);
  const [confirming, setConfirming] = useState(false);
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
      <Card title={t("privacy.consent")}>
        <p data-testid="consent-status">
          {child.consentRecorded ? t("privacy.consentGiven", { name: child.firstName }) : t("privacy.consentMissing")}
        </p>
        <p className="muted">{t("privacy.consentText")}</p>
      </Card>
      <Card title={t("privacy.erase")} className="card--danger">
        <p>{t("privacy.eraseText", { name: child.firstName })}</p>
        {!confirming ? (
          <button type="button" className="button button--danger" onClick={() => setConfirming(true)}>
            {t("privacy.eraseStart")}
          </button>
        ) : (
          <div className="form" role="group" aria-labelledby="erase-confirm">
            <p id="erase-confirm"><strong>{t("privacy.eraseConfirm", { name: child.firstName })}</strong></p>
            <label className="field">
              <span className="field__label">{t("privacy.typeName", { name: child.firstName })}</span>
              <input name="confirm-name" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
            </label>
            {error && <ErrorNote>{error}</ErrorNote>}
            <div className="row">
              <button type="button" className="button" onClick={() => { setConfirming(false); setTyped(""); }}>
                {t("common.cancel")}
              </button>
              <button type="button" className="button button--danger"
                disabled={state.fetching || typed.trim().toLowerCase() !== child.firstName.toLowerCase()}
                onClick={() => void onErase()}>
                {t("privacy.eraseFinal")}
              </button>
            </div>
          </div>
        )}
      </Card>
    </div>
  );
}
