/* Kabinet's service worker: web-push notices (docs/notifications.md, "Web push"). The payload is what identity
 * encrypted to this browser: {id, kind, title, body, path}; a click focuses an open Kabinet tab or opens one. */
self.addEventListener("push", (event) => {
  let notice = {};
  try { notice = event.data ? event.data.json() : {}; } catch { notice = {}; }
  const title = notice.title || "Kabinet";
  event.waitUntil(self.registration.showNotification(title, {
    body: notice.body || "", tag: notice.id, icon: "/icons/icon-192.png", data: { path: notice.path || "/notifications" },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const path = (event.notification.data && event.notification.data.path) || "/notifications";
  const url = new URL(path.startsWith("/") ? path : "/notifications", self.location.origin).href;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((tabs) => {
    for (const tab of tabs) {
      if (new URL(tab.url).origin === self.location.origin && "focus" in tab) {
        return tab.focus().then((focused) => (focused && "navigate" in focused ? focused.navigate(url) : focused));
      }
    }
    return self.clients.openWindow(url);
  }));
});
