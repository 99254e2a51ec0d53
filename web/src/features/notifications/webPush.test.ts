import { describe, expect, it } from "vitest";
import { applicationServerKey, pushSupported, subscriptionKeys } from "./webPush";

describe("web push helpers", () => {
  it("decodes a base64url VAPID key to its bytes", () => {
    expect(Array.from(applicationServerKey("BP8-_w"))).toEqual([0x04, 0xff, 0x3e, 0xff]);
  });

  it("takes the endpoint and keys of a subscription, or nothing when a key is missing", () => {
    expect(subscriptionKeys({ endpoint: "https://push.test/a", keys: { p256dh: "P", auth: "A" } }))
      .toEqual({ endpoint: "https://push.test/a", p256dh: "P", auth: "A" });
    expect(subscriptionKeys({ endpoint: "https://push.test/a", keys: { p256dh: "P" } })).toBeNull();
    expect(subscriptionKeys({})).toBeNull();
  });

  it("needs a service worker, the Push API and notifications", () => {
    const full = { navigator: { serviceWorker: {} }, PushManager: class {}, Notification: class {} };
    expect(pushSupported(full)).toBe(true);
    expect(pushSupported({ ...full, PushManager: undefined })).toBe(false);
    expect(pushSupported({ ...full, navigator: {} })).toBe(false);
  });
});
