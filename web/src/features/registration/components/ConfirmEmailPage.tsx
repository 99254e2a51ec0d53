import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { useMutation } from "urql";
import { ErrorNote, InfoNote, Spinner } from "../../../components/ui";
import { describeError } from "../../../lib/errors";
import { useI18n } from "../../../lib/i18n";
import { ConfirmEmail } from "../api/operations";

/** The page the confirmation email links to: confirms the address with the token from the link. */
export default function ConfirmEmailPage() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const [, confirm] = useMutation(ConfirmEmail);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const token = params.get("token") ?? "";
  useEffect(() => {
    void confirm({ token }).then((r) => {
      const payload = r.data?.confirmEmail;
      const first = payload?.errors[0];
      setResult(payload?.ok ? { ok: true, text: t("register.emailConfirmed") }
        : { ok: false, text: first ? describeError(t, first) : t("error.INVALID_LINK") });
    });
  }, [token, confirm, t]);
  return (
    <main className="auth">
      <h1 className="page-title">{t("register.confirmTitle")}</h1>
      {!result ? <Spinner /> : result.ok ? <InfoNote>{result.text}</InfoNote> : <ErrorNote>{result.text}</ErrorNote>}
      <p><Link to="/">{t("notFound.home")}</Link></p>
    </main>
  );
}
