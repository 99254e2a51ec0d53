import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { useMutation } from "urql";
import { LanguageSwitch } from "../../../components/LanguageSwitch";
import { ErrorNote, InfoNote } from "../../../components/ui";
import { describeCombined, describeError, type ApiError } from "../../../lib/errors";
import { useI18n } from "../../../lib/i18n";
import { RequestSignInCode, SignInWithCode, SignInWithPassword } from "../api/operations";
import { CABINET_HOME, cabinetOf, cabinetOfPath, type SessionData } from "../../../lib/session";
import { startSession, toSession } from "../session";

type Mode = "code" | "password";

export function SignInPage() {
  const { t } = useI18n();
  const [mode, setMode] = useState<Mode>("code");
  return (
    <main className="auth">
      <div className="auth__top">
        <span className="brand" aria-hidden="true">Kabinet</span>
        <LanguageSwitch />
      </div>
      <h1 className="page-title">{t("signin.title")}</h1>
      <div className="tabs" role="tablist" aria-label={t("signin.how")}>
        <button type="button" role="tab" id="tab-code" aria-selected={mode === "code"} aria-controls="panel-signin"
          className={mode === "code" ? "tab tab--active" : "tab"} onClick={() => setMode("code")}>
          {t("signin.byCode")}
        </button>
        <button type="button" role="tab" id="tab-password" aria-selected={mode === "password"}
          aria-controls="panel-signin" className={mode === "password" ? "tab tab--active" : "tab"}
          onClick={() => setMode("password")}>
          {t("signin.byPassword")}
        </button>
      </div>
      <div id="panel-signin" role="tabpanel" aria-labelledby={mode === "code" ? "tab-code" : "tab-password"}>
        {mode === "code" ? <CodeForm /> : <PasswordForm />}
      </div>
      <p className="auth__alt">
        {t("signin.noCabinet")} <Link to="/register">{t("signin.register")}</Link>
      </p>
    </main>
  );
}

/** Where to go once signed in: the page asked for (if it is this role's cabinet), else staff to their cabinet
 * (teacher's or admin's) and a family to the first child's home straight away (one query, no detour through "/"
 * that would ask for the family first), else "/" (no child yet: add one). */
function useAfterSignIn() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  return (session: SessionData) => {
    const next = params.get("next");
    const first = session.studentIds?.[0];
    const cabinet = cabinetOf(session);
    const home = cabinet !== "family" ? CABINET_HOME[cabinet] : first ? `/c/${first}` : "/";
    const fits = !!next && next.startsWith("/") && !next.startsWith("//") && next !== "/"
      && cabinetOfPath(next) === cabinet;
    navigate(fits && next ? next : home, { replace: true });
  };
}

function CodeForm() {
  const { t } = useI18n();
  const [phone, setPhone] = useState("");
  const [code, setCode] = useState("");
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [requestState, requestCode] = useMutation(RequestSignInCode);
  const [signInState, signIn] = useMutation(SignInWithCode);
  const done = useAfterSignIn();

  const show = (errors: readonly ApiError[] | undefined, combined: Parameters<typeof describeCombined>[1],
    triesLeft?: number | null) => {
    const first = errors?.[0];
    setError(first ? describeError(t, first, triesLeft) : describeCombined(t, combined) ?? null);
  };

  const onRequest = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const result = await requestCode({ phone: phone.trim() });
    const payload = result.data?.requestSignInCode;
    if (payload?.ok && payload.errors.length === 0) {
      setSent(true);
    } else {
      show(payload?.errors, result.error);
    }
  };

  const onSignIn = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const result = await signIn({ phone: phone.trim(), code });
    const payload = result.data?.signInWithCode;
    if (payload?.session) {
      const session = toSession(payload.session);
      startSession(session);
      done(session);
    } else {
      show(payload?.errors, result.error, payload?.triesLeft);
    }
  };

  if (!sent) {
    return (
      <form className="form" onSubmit={onRequest} noValidate>
        <label className="field">
          <span className="field__label">{t("signin.phone")}</span>
          <input name="phone" type="tel" inputMode="tel" autoComplete="tel" required value={phone}
            placeholder="+7 900 000-00-00" onChange={(e) => setPhone(e.target.value)}
            aria-describedby={error ? "signin-error" : undefined} />
        </label>
        {error && <div id="signin-error"><ErrorNote>{error}</ErrorNote></div>}
        <button type="submit" className="button button--primary" disabled={requestState.fetching || !phone.trim()}>
          {t("signin.getCode")}
        </button>
      </form>
    );
  }
  return (
    <form className="form" onSubmit={onSignIn} noValidate>
      <InfoNote>{t("signin.codeSent", { phone })}</InfoNote>
      <label className="field">
        <span className="field__label">{t("signin.code")}</span>
        <input name="code" type="text" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}"
          maxLength={6} required value={code} autoFocus
          onChange={(e) => setCode(e.target.value.replace(/\D/g, "").slice(0, 6))}
          aria-describedby={error ? "signin-error" : undefined} />
      </label>
      {error && <div id="signin-error"><ErrorNote>{error}</ErrorNote></div>}
      <button type="submit" className="button button--primary" disabled={signInState.fetching || code.length !== 6}>
        {t("signin.submit")}
      </button>
      <button type="button" className="link-button" onClick={() => { setSent(false); setCode(""); setError(null); }}>
        {t("signin.otherPhone")}
      </button>
    </form>
  );
}

function PasswordForm() {
  const { t } = useI18n();
  const [login, setLogin] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [state, signIn] = useMutation(SignInWithPassword);
  const done = useAfterSignIn();

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const result = await signIn({ login: login.trim(), password });
    const payload = result.data?.signInWithPassword;
    if (payload?.session) {
      const session = toSession(payload.session);
      startSession(session);
      done(session);
    } else {
      const first = payload?.errors[0];
      setError(first ? describeError(t, first) : describeCombined(t, result.error));
    }
  };

  return (
    <form className="form" onSubmit={onSubmit} noValidate>
      <label className="field">
        <span className="field__label">{t("signin.login")}</span>
        <input name="login" type="text" autoComplete="username" required value={login}
          onChange={(e) => setLogin(e.target.value)} />
      </label>
      <label className="field">
        <span className="field__label">{t("signin.password")}</span>
        <input name="password" type="password" autoComplete="current-password" required value={password}
          onChange={(e) => setPassword(e.target.value)} />
      </label>
      {error && <ErrorNote>{error}</ErrorNote>}
      <button type="submit" className="button button--primary" disabled={state.fetching || !login || !password}>
        {t("signin.submit")}
      </button>
    </form>
  );
}
