// The console's own script (a file, not inline: the page's Content-Security-Policy allows no inline script).
// The configuration (sign-in mutation, saved operations) is the page's <script type="application/json">.
"use strict";
const config = JSON.parse(document.getElementById("console-config").textContent);
// The GraphQL endpoint, relative to this page (so the console also works behind a proxy under a prefix).
const url = new URL(config.endpoint, window.location.href).pathname;
const KEY = "kabinet.console.token";
const token = () => sessionStorage.getItem(KEY);
const who = document.getElementById("who");
function showSession(role) {
  const signedIn = !!token();
  document.getElementById("signed-out").hidden = signedIn;
  document.getElementById("signed-in").hidden = !signedIn;
  who.textContent = signedIn ? "Signed in" + (role ? " as " + role : "") : "Not signed in";
}
document.getElementById("bar").addEventListener("submit", async (event) => {
  event.preventDefault();
  const variables = {
    login: document.getElementById("login").value,
    password: document.getElementById("password").value,
  };
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
    body: JSON.stringify({ query: config.signIn, variables }),
  });
  const body = await response.json();
  const payload = body.data && body.data.signInWithPassword;
  if (payload && payload.session) {
    sessionStorage.setItem(KEY, payload.session.accessToken);
    document.getElementById("password").value = "";
    showSession(payload.session.role);
  } else {
    const errors = (payload && payload.errors) || body.errors || [];
    who.textContent = "Sign-in failed: " + errors.map((e) => e.message).join("; ");
  }
});
document.getElementById("sign-out").addEventListener("click", () => {
  sessionStorage.removeItem(KEY);
  showSession();
});
showSession();
// Every request GraphiQL makes (introspection included) carries the token of this tab's session.
const fetcher = GraphiQL.createFetcher({
  url,
  fetch: (input, init) => {
    const headers = new Headers((init && init.headers) || {});
    if (token()) headers.set("Authorization", "Bearer " + token());
    return fetch(input, { ...init, headers });
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
