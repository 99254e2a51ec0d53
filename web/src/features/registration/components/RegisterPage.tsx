import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import { useMutation } from "urql";
import { LanguageSwitch } from "../../../components/LanguageSwitch";
import { ErrorNote, InfoNote } from "../../../components/ui";
import { describeCombined, describeError, type ApiError } from "../../../lib/errors";
import { useI18n } from "../../../lib/i18n";
import { startSession, toSession } from "../../auth/session";
import { CompleteRegistration, RequestRegistrationCode } from "../api/operations";

/** Self-registration: phone -> SMS code -> names, email (a confirmation link is sent) and password. */
export default function RegisterPage() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [step, setStep] = useState<"phone" | "details">("phone");
  const [phone, setPhone] = useState("");
  const [form, setForm] = useState({ code: "", firstName: "", lastName: "", email: "", password: "" });
  const [error, setError] = useState<string | null>(null);
  const [requestState, requestCode] = useMutation(RequestRegistrationCode);
  const [completeState, complete] = useMutation(CompleteRegistration);
  const show = (errors: readonly ApiError[] | undefined, combined: Parameters<typeof describeCombined>[1],
    triesLeft?: number | null) => {
    const first = errors?.[0];
    setError(first ? describeError(t, first, triesLeft) : describeCombined(t, combined));
  };
  const onPhone = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const result = await requestCode({ phone: phone.trim() });
    const payload = result.data?.requestRegistrationCode;
    if (payload?.ok && payload.errors.length === 0) setStep("details"); else show(payload?.errors, result.error);
  };
  const onDetails = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const result = await complete({ input: {
      phone: phone.trim(), code: form.code, firstName: form.firstName.trim(), lastName: form.lastName.trim(),
      email: form.email.trim() || null, password: form.password || null,
    } });
    const payload = result.data?.completeRegistration;
    if (payload?.session) {
      startSession(toSession(payload.session));
      navigate("/family/add-child?welcome=1", { replace: true });
    } else show(payload?.errors, result.error, payload?.triesLeft);
  };
  const field = (name: keyof typeof form, label: string, type = "text", autoComplete = "off") => (
    <label className="field">
      <span className="field__label">{label}</span>
      <input name={name} type={type} autoComplete={autoComplete} value={form[name]}
        onChange={(e) => setForm({ ...form, [name]: name === "code" ? e.target.value.replace(/\D/g, "").slice(0, 6) : e.target.value })} />
    </label>
  );
  return (
    <main className="auth">
      <div className="auth__top"><span className="brand" aria-hidden="true">Kabinet</span><LanguageSwitch /></div>
      <h1 className="page-title">{t("register.title")}</h1>
      <ol className="steps" aria-label={t("register.steps")}>
        <li aria-current={step === "phone" ? "step" : undefined}>{t("register.stepPhone")}</li>
        <li aria-current={step === "details" ? "step" : undefined}>{t("register.stepDetails")}</li>
        <li>{t("register.stepChild")}</li>
      </ol>
      {step === "phone" ? (
        <form className="form" onSubmit={onPhone} noValidate>
          <label className="field">
            <span className="field__label">{t("signin.phone")}</span>
            <input name="phone" type="tel" inputMode="tel" autoComplete="tel" value={phone} placeholder="+7 900 000-00-00"
              onChange={(e) => setPhone(e.target.value)} />
          </label>
          {error && <ErrorNote>{error}</ErrorNote>}
          <button type="submit" className="button button--primary" disabled={requestState.fetching || !phone.trim()}>
            {t("signin.getCode")}
          </button>
        </form>
      ) : (
        <form className="form" onSubmit={onDetails} noValidate>
          <InfoNote>{t("signin.codeSent", { phone })}</InfoNote>
          {field("code", t("signin.code"), "text", "one-time-code")}
          {field("firstName", t("register.firstName"), "text", "given-name")}
          {field("lastName", t("register.lastName"), "text", "family-name")}
          {field("email", t("register.email"), "email", "email")}
          <p className="muted">{t("register.emailHint")}</p>
          {field("password", t("register.password"), "password", "new-password")}
          {error && <ErrorNote>{error}</ErrorNote>}
          <button type="submit" className="button button--primary"
            disabled={completeState.fetching || form.code.length !== 6 || !form.firstName.trim() || !form.lastName.trim()}>
            {t("register.submit")}
          </button>
        </form>
      )}
      <p className="auth__alt">{t("register.have")} <Link to="/signin">{t("register.signIn")}</Link></p>
    </main>
  );
}
