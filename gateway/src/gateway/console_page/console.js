// The console's own script (a file, not inline: the page's Content-Security-Policy allows no inline script).
// The configuration (session mutations, saved operations) is the page's <script type="application/json">.
"use strict";
const config = JSON.parse(document.getElementById("console-config").textContent);
// The GraphQL endpoint, relative to this page (so the console also works behind a proxy under a prefix).
const url = new URL(config.endpoint, window.location.href).pathname;
const KEY = "kabinet.console.token", REFRESH_KEY = "kabinet.console.refresh";
const EXPIRES_KEY = "kabinet.console.expires";
const token = () => sessionStorage.getItem(KEY);
const who = document.getElementById("who");
function showSession(role) {
  const signedIn = !!token();
  document.getElementById("signed-out").hidden = signedIn;
  document.getElementById("signed-in").hidden = !signedIn;
  who.textContent = signedIn ? "Signed in" + (role ? " as " + role : "") : "Not signed in";
}
function keep(session) {
  sessionStorage.setItem(KEY, session.accessToken);
  sessionStorage.setItem(REFRESH_KEY, session.refreshToken);
  sessionStorage.setItem(EXPIRES_KEY, String(Date.now() + session.expiresIn * 1000));
}
function forget() {
  for (const key of [KEY, REFRESH_KEY, EXPIRES_KEY]) sessionStorage.removeItem(key);
}
async function post(query, variables) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}
// Access tokens live under a minute (docs/security-signin.md): trade the refresh token for new ones shortly
// before expiry. One refresh at a time: a spent refresh token presented twice ends the whole session.
let refreshing = null;
function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      const refreshToken = sessionStorage.getItem(REFRESH_KEY);
      if (!refreshToken) return;
      const body = await post(config.refresh, { token: refreshToken });
      const payload = body.data && body.data.refreshSession;
      if (payload && payload.session) {
        keep(payload.session);
      } else {
        forget();
        showSession();
        who.textContent = "Session ended: sign in again";
      }
    })().finally(() => { refreshing = null; });
  }
  return refreshing;
}
async function freshToken() {
  if (token() && Number(sessionStorage.getItem(EXPIRES_KEY) || 0) - Date.now() < 15000) await refresh();
  return token();
}
document.getElementById("bar").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = await post(config.signIn, {
    login: document.getElementById("login").value,
    password: document.getElementById("password").value,
  });
  const payload = body.data && body.data.signInWithPassword;
  if (payload && payload.session) {
    keep(payload.session);
    document.getElementById("password").value = "";
    showSession(payload.session.role);
  } else {
    const errors = (payload && payload.errors) || body.errors || [];
    who.textContent = "Sign-in failed: " + errors.map((e) => e.message).join("; ");
  }
});
document.getElementById("sign-out").addEventListener("click", async () => {
  const refreshToken = sessionStorage.getItem(REFRESH_KEY);
  forget();
  showSession();
  if (refreshToken) await post(config.signOut, { token: refreshToken });
});
showSession();
// Every request GraphiQL makes (introspection included) carries a fresh token of this tab's session.
const fetcher = GraphiQL.createFetcher({
  url,
  fetch: async (input, init) => {
    const send = async () => {
      const headers = new Headers((init && init.headers) || {});
      const current = await freshToken();
      if (current) headers.set("Authorization", "Bearer " + current);
      return fetch(input, { ...init, headers });
    };
    const response = await send();
    if (response.status !== 401 || !sessionStorage.getItem(REFRESH_KEY)) return response;
    await refresh();  // e.g. the tab slept past the expiry: refresh once and try again
    return send();
  },
});
ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultTabs: config.tabs,
    defaultEditorToolsVisibility: true,
    shouldPersistHeaders: false,
  })
);
