import { useEffect, useState } from "react";
import { useMutation } from "urql";
import { Card, ErrorNote, InfoNote } from "../../../components/ui";
import { describeCombined, describeError } from "../../../lib/errors";
import { useI18n } from "../../../lib/i18n";
import { RegisterWebPush, UnregisterWebPush } from "../api/operations";
import { applicationServerKey, pushSupported, subscriptionKeys } from "../webPush";

/**
 * Browser notifications: shown as a button only when the school has VAPID keys and this browser has the Push API.
 * "Turn on" asks permission, subscribes with the school's key and registers the subscription; "turn off" undoes it.
 */
export function WebPushCard({ available, publicKey }: { available: boolean; publicKey: string | null }) {
  const { t } = useI18n();
  const supported = pushSupported();
  const [on, setOn] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [registering, register] = useMutation(RegisterWebPush);
  const [unregistering, unregister] = useMutation(UnregisterWebPush);

  useEffect(() => {
    if (!supported || !available) return;
    void navigator.serviceWorker.getRegistration("/sw.js")
      .then((reg) => reg?.pushManager.getSubscription())
      .then((sub) => setOn(Boolean(sub)))
      .catch(() => setOn(false));
  }, [supported, available]);

  const onEnable = async () => {
    setProblem(null);
    try {
      if ((await Notification.requestPermission()) !== "granted") {
        setProblem(t("notify.webPush.denied"));
        return;
      }
      const reg = await navigator.serviceWorker.register("/sw.js");
      await navigator.serviceWorker.ready;
      const sub = await reg.pushManager.subscribe({
        userVisibleOnly: true, applicationServerKey: applicationServerKey(publicKey ?? ""),
      });
      const keys = subscriptionKeys(sub.toJSON());
      if (!keys) throw new Error("no keys");
      const result = await register(keys);
      const first = result.data?.registerWebPush.errors[0];
      if (result.data && !first) setOn(true);
      else setProblem(first ? describeError(t, first) : describeCombined(t, result.error) ?? t("error.generic"));
    } catch {
      setProblem(t("notify.webPush.failed"));
    }
  };

  const onDisable = async () => {
    setProblem(null);
    const reg = await navigator.serviceWorker.getRegistration("/sw.js");
    const sub = await reg?.pushManager.getSubscription();
    if (sub) {
      await unregister({ endpoint: sub.endpoint });
      await sub.unsubscribe();
    }
    setOn(false);
  };

  return (
    <Card title={t("notify.webPush.title")}>
      <div data-testid="web-push">
        {!available || !publicKey ? <p data-testid="web-push-absent">{t("notify.webPush.absent")}</p>
          : !supported ? <p data-testid="web-push-unsupported">{t("notify.webPush.unsupported")}</p>
          : on ? (
            <>
              <InfoNote>{t("notify.webPush.on")}</InfoNote>
              <button type="button" className="button" onClick={() => void onDisable()} disabled={unregistering.fetching}>
                {t("notify.webPush.disable")}
              </button>
            </>
          ) : (
            <button type="button" className="button" onClick={() => void onEnable()} disabled={registering.fetching}>
              {t("notify.webPush.enable")}
            </button>
          )}
        {problem && <ErrorNote>{problem}</ErrorNote>}
      </div>
    </Card>
  );
}
