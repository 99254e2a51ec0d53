import { useState } from "react";
import { useMutation } from "urql";
import { Card, ErrorNote, InfoNote } from "../../../components/ui";
import type { LinkMessengerMutation } from "../../../gql/graphql";
import { describeCombined, describeError } from "../../../lib/errors";
import { useI18n } from "../../../lib/i18n";
import { LinkMessenger, UnlinkMessenger } from "../api/operations";

type Code = NonNullable<LinkMessengerMutation["linkMessenger"]["link"]>;

/**
 * Linking a Telegram chat: a one-time code and the bot's link (the chat links when the person opens it or sends
 * `/start <code>`; "check" reads the settings again), or unlinking. Without the school's bot (`available` false, or
 * linkMessenger's MESSENGER_NOT_CONFIGURED if it went away meanwhile) the card says so plainly instead.
 */
export function TelegramCard({ linked, available, onChanged }: {
  linked: boolean; available: boolean; onChanged: () => void;
}) {
  const { t } = useI18n();
  const [code, setCode] = useState<Code | null>(null);
  const [refused, setRefused] = useState(false);
  const absent = !available || refused;
  const [problem, setProblem] = useState<string | null>(null);
  const [linking, link] = useMutation(LinkMessenger);
  const [unlinking, unlink] = useMutation(UnlinkMessenger);

  const onLink = async () => {
    setProblem(null);
    const result = await link({});
    const payload = result.data?.linkMessenger;
    const first = payload?.errors[0];
    if (payload?.link) setCode(payload.link);
    else if (first?.code === "MESSENGER_NOT_CONFIGURED") setRefused(true);
    else setProblem(first ? describeError(t, first) : describeCombined(t, result.error) ?? t("error.generic"));
  };

  const onUnlink = async () => {
    setProblem(null);
    const result = await unlink({});
    const payload = result.data?.unlinkMessenger;
    const first = payload?.errors[0];
    if (payload && !first) {
      setCode(null);
      onChanged();
    } else {
      setProblem(first ? describeError(t, first) : describeCombined(t, result.error) ?? t("error.generic"));
    }
  };

  return (
    <Card title={t("notify.telegram.title")}>
      <div data-testid="telegram">
        {absent ? <p data-testid="telegram-absent">{t("notify.telegram.absent")}</p> : linked ? (
          <>
            <InfoNote>{t("notify.telegram.linked")}</InfoNote>
            <button type="button" className="button" onClick={() => void onUnlink()} disabled={unlinking.fetching}>
              {t("notify.telegram.unlink")}
            </button>
          </>
        ) : code ? (
          <>
            {code.link && (
              <p><a href={code.link} target="_blank" rel="noreferrer" data-testid="telegram-link">{t("notify.telegram.open")}</a></p>
            )}
            <p>{t("notify.telegram.orSend")} <code data-testid="telegram-code">/start {code.code}</code></p>
            <p className="muted">{t("notify.telegram.expires")}</p>
            <button type="button" className="button" onClick={onChanged}>{t("notify.telegram.check")}</button>
          </>
        ) : (
          <>
            <p className="muted">{t("notify.telegram.hint")}</p>
            <button type="button" className="button" onClick={() => void onLink()} disabled={linking.fetching}>
              {t("notify.telegram.link")}
            </button>
          </>
        )}
        {problem && <ErrorNote>{problem}</ErrorNote>}
      </div>
    </Card>
  );
}
