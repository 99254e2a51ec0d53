/** Web push in the browser (docs/notifications.md, "Web push"): the pure parts, tested in webPush.test.ts. */

/** Whether this browser can take web push: a service worker, the Push API and notifications. */
export function pushSupported(w: { navigator?: unknown; PushManager?: unknown; Notification?: unknown } = window): boolean {
  return typeof w.PushManager !== "undefined" && typeof w.Notification !== "undefined"
    && typeof w.navigator === "object" && w.navigator !== null && "serviceWorker" in w.navigator;
}

/** The VAPID public key (base64url) as PushManager.subscribe's applicationServerKey wants it. */
export function applicationServerKey(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (base64url.length % 4)) % 4);
  const bytes = new Uint8Array(new ArrayBuffer(atob(base64).length));
  bytes.set(Array.from(atob(base64), (c) => c.charCodeAt(0)));
  return bytes;
}

export type PushKeys = { endpoint: string; p256dh: string; auth: string };

/** registerWebPush's arguments from a subscription's toJSON(); null when the browser gave no keys. */
export function subscriptionKeys(json: { endpoint?: string; keys?: Record<string, string> }): PushKeys | null {
  const p256dh = json.keys?.p256dh;
  const auth = json.keys?.auth;
  return json.endpoint && p256dh && auth ? { endpoint: json.endpoint, p256dh, auth } : null;
}
