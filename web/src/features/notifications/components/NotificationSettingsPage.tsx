import { useEffect, useId, useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { useMutation, useQuery } from "urql";
import { Card, ErrorNote, InfoNote, PageTitle, Spinner } from "../../../components/ui";
import type { NotificationPreferencesFieldsFragment } from "../../../gql/graphql";
import { describeCombined, describeError, type ApiError } from "../../../lib/errors";
import { useI18n, type MessageKey, type Translate } from "../../../lib/i18n";
import { useCabinet } from "../../family/context";
import { NotificationPreferences, SetNotificationPreferences } from "../api/operations";
import { channelsFor, formOf, inputOf, kindsFor, toggled, type Audience, type FormProblem, type PreferencesForm } from "../preferences";
import { TelegramCard } from "./TelegramCard";
import { WebPushCard } from "./WebPushCard";

/** Which part of the form a server error belongs to (the others show by the save button). */
type Place = "quiet" | "language" | "form";

function placeOf(error: ApiError): Place {
  if (error.field === "quietFrom" || error.field === "quietTo") return "quiet";
  return error.field === "language" ? "language" : "form";
}

function wordsFor(t: Translate, error: ApiError): string {
  const place = placeOf(error);
  if (error.code === "INVALID_INPUT" && place === "quiet") return t("notify.error.quiet");
  if (error.code === "INVALID_INPUT" && place === "language") return t("notify.error.language");
  return describeError(t, error);
}

/** The guardian's settings, in the family cabinet of the child shown. */
export default function NotificationSettingsPage() {
  const { child } = useCabinet();
  return <NotificationSettings audience="family" backTo={`/c/${child.id}/notifications`} />;
}

/** A guardian's or a staff member's settings: the audience's kinds per channel, Telegram, language, quiet hours. */
export function NotificationSettings({ audience, backTo }: { audience: Audience; backTo: string }) {
  const { t } = useI18n();
  const [{ data, error, fetching }, reload] = useQuery({ query: NotificationPreferences, requestPolicy: "network-only" });
  const prefs = data?.notificationPreferences;
  return (
    <div data-testid="notification-settings">
      <p className="crumbs"><Link to={backTo}>{t("notify.back")}</Link></p>
      <PageTitle>{t("notify.prefs.title")}</PageTitle>
      {prefs ? (
        <>
          <PreferencesEditor initial={prefs} audience={audience} />
          <TelegramCard linked={prefs.telegramLinked} available={prefs.telegramAvailable} onChanged={() => reload({ requestPolicy: "network-only" })} />
          <WebPushCard available={prefs.webPushAvailable} publicKey={prefs.webPushPublicKey ?? null} />
        </>
      ) : fetching ? <Spinner /> : <ErrorNote>{describeCombined(t, error) ?? t("error.generic")}</ErrorNote>}
    </div>
  );
}

function PreferencesEditor({ initial, audience }: { initial: NotificationPreferencesFieldsFragment; audience: Audience }) {
  const { t } = useI18n();
  const id = useId();
  const [form, setForm] = useState<PreferencesForm>(() => formOf(initial));
  // A chat linked or unlinked below: the Telegram column comes or goes with the server's kinds; the rest as edited.
  useEffect(() => {
    setForm((f) => f.telegramLinked === initial.telegramLinked ? f : {
      ...f, telegramLinked: initial.telegramLinked, kinds: { ...f.kinds, telegram: new Set(initial.telegram) },
    });
  }, [initial.telegramLinked, initial.telegram]);
  const kinds = kindsFor(audience);
  const channels = channelsFor(audience, form.telegramLinked);
  const [problems, setProblems] = useState<FormProblem[]>([]);
  const [errors, setErrors] = useState<ApiError[]>([]);
  const [saved, setSaved] = useState(false);
  const [state, save] = useMutation(SetNotificationPreferences);

  const change = (next: PreferencesForm) => {
    setForm(next);
    setSaved(false);
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    setErrors([]);
    const got = inputOf(form, audience);
    setProblems(got.ok ? [] : got.problems);
    if (!got.ok) {
      document.getElementById(`${id}-${got.problems[0]}`)?.focus();
      return;
    }
    const result = await save({ input: got.input });
    const payload = result.data?.setNotificationPreferences;
    if (payload?.preferences) {
      setForm(formOf(payload.preferences));
      setSaved(true);
    } else {
      setErrors(payload?.errors.length ? payload.errors : [{ code: "NETWORK", message: describeCombined(t, result.error) ?? t("error.generic") }]);
    }
  };

  const at = (place: Place) => errors.filter((e) => placeOf(e) === place);
  const quietErrors = at("quiet");
  const clock = (field: FormProblem, label: MessageKey) => {
    const bad = problems.includes(field);
    return (
      <div className="field">
        <label className="field__label" htmlFor={`${id}-${field}`}>{t(label)}</label>
        <input id={`${id}-${field}`} name={field} inputMode="numeric" autoComplete="off" maxLength={5}
          placeholder={t("notify.prefs.clockPlaceholder")} value={form[field]}
          aria-invalid={bad || quietErrors.length > 0 || undefined}
          aria-describedby={bad ? `${id}-${field}-error` : quietErrors.length ? `${id}-quiet-error` : undefined}
          onChange={(e) => change({ ...form, [field]: e.target.value })} />
        {bad && <span id={`${id}-${field}-error`} className="field__error">{t("notify.prefs.notAClock")}</span>}
      </div>
    );
  };

  return (
    <form className="prefs" onSubmit={(e) => void onSubmit(e)} noValidate>
      <Card title={t("notify.prefs.kinds")}>
        <p className="muted" id={`${id}-kinds`}>{t(audience === "staff" ? "notify.prefs.kindsHintStaff" : "notify.prefs.kindsHint")}</p>
        <table className="prefs-table" aria-describedby={`${id}-kinds`} data-testid="prefs-table">
          <thead>
            <tr>
              <th scope="col">{t("notify.prefs.kind")}</th>
              {channels.map((c) => <th scope="col" key={c}>{t(`notify.prefs.channel.${c}`)}</th>)}
            </tr>
          </thead>
          <tbody>
            {kinds.map((kind) => (
              <tr key={kind}>
                <th scope="row">{t(`notify.kind.${kind}`)}</th>
                {channels.map((c) => (
                  <td key={c}>
                    <input type="checkbox" name={`${c}-${kind}`} checked={form.kinds[c].has(kind)}
                      aria-label={t("notify.prefs.toggle", { kind: t(`notify.kind.${kind}`), channel: t(`notify.prefs.channel.${c}`) })}
                      onChange={(e) => change(toggled(form, c, kind, e.target.checked))} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted">{t("notify.prefs.emailNote")}</p>
        {audience === "family" && <p className="muted">{t("notify.prefs.smsNote")}</p>}
      </Card>

      <Card title={t("notify.prefs.languageCard")}>
        <label className="field">
          <span className="field__label">{t("notify.prefs.language")}</span>
          <select name="language" value={form.language}
            onChange={(e) => change({ ...form, language: e.target.value as PreferencesForm["language"] })}>
            <option value="">{t("notify.prefs.languageDefault")}</option>
            <option value="ru" lang="ru">{t("notify.prefs.languageRu")}</option>
            <option value="en" lang="en">{t("notify.prefs.languageEn")}</option>
          </select>
        </label>
        <p className="muted">{t("notify.prefs.languageNote")}</p>
        {at("language").map((e, i) => <ErrorNote key={i}>{wordsFor(t, e)}</ErrorNote>)}
      </Card>

      <Card title={t("notify.prefs.quiet")}>
        <fieldset className="quiet" aria-describedby={`${id}-quiet-hint`}>
          <legend className="visually-hidden">{t("notify.prefs.quiet")}</legend>
          <p className="muted" id={`${id}-quiet-hint`}>{t("notify.prefs.quietHint")}</p>
          <div className="quiet__parts">
            {clock("quietFrom", "notify.prefs.quietFrom")}
            {clock("quietTo", "notify.prefs.quietTo")}
          </div>
          {quietErrors.slice(0, 1).map((e, i) => (
            <p key={i} id={`${id}-quiet-error`} className="note note--error" role="alert" data-testid="quiet-error">
              {wordsFor(t, e)}
            </p>
          ))}
        </fieldset>
      </Card>

      {at("form").map((e, i) => <ErrorNote key={i}>{e.code === "NETWORK" ? e.message : wordsFor(t, e)}</ErrorNote>)}
      {saved && <InfoNote>{t("notify.prefs.saved")}</InfoNote>}
      <button type="submit" className="button button--primary" disabled={state.fetching}>{t("notify.prefs.save")}</button>
    </form>
  );
}
