"""The console: GraphiQL for branch admins, with sign-in and saved operations for their daily work.

- **Sign-in**: a small form posts identity's `signInWithPassword` mutation through this gateway; the tokens are
  kept in `sessionStorage` (gone when the tab closes) and the access token is sent as `Authorization: Bearer ...`
  with every request GraphiQL makes. Access tokens live under a minute (docs/security-signin.md), so before a
  request the console trades the refresh token for new ones (`refreshSession`) when the access token is about to
  expire, and once more on a 401. "Sign out" ends the session (`signOut`) and forgets the tokens.
- **Schema documentation**: GraphiQL's docs explorer, from introspection of the API schema (so the console
  follows `GATEWAY_INTROSPECTION_ENABLED`; `GATEWAY_CONSOLE_ENABLED=false` turns the page off).
- **Saved operations**: `EXAMPLE_OPERATIONS`, opened as GraphiQL tabs - the month's schedule, a lesson sheet (read
  and save), a family's payments and recording a payment, the branch's debtors. A test validates each against
  the API schema composed from the real services, so they change when the schema does.

- **Assets**: GraphiQL, React and ReactDOM (UMD production builds, with their licences) are committed under
  `console_assets/` and served by the gateway itself at `/console/assets/<name>`, so the console works on a machine
  without internet access. `gateway/console/update_assets.sh` refreshes them from npm (versions pinned in
  `gateway/console/package.json`). The page asks for them with `?v=<content hash>`, so they can be cached for a
  year and a new version still reaches the browser.
"""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response


@dataclass(frozen=True)
class ExampleOperation:
    title: str
    query: str
    variables: dict[str, Any] = field(default_factory=dict)


SIGN_IN_MUTATION = """mutation ConsoleSignIn($login: String!, $password: String!) {
  signInWithPassword(login: $login, password: $password) {
    session { accessToken refreshToken expiresIn role }
    errors { field message code }
  }
}"""

REFRESH_MUTATION = """mutation ConsoleRefresh($token: String!) {
  refreshSession(refreshToken: $token) {
    session { accessToken refreshToken expiresIn role }
    errors { code }
  }
}"""

SIGN_OUT_MUTATION = """mutation ConsoleSignOut($token: String!) { signOut(refreshToken: $token) { ok } }"""

EXAMPLE_OPERATIONS: tuple[ExampleOperation, ...] = (
    ExampleOperation(
        "Month schedule",
        """# The branch's lessons for a month, day by day in the branch's time zone.
query MonthSchedule($branchId: ID!, $from: DateTime!, $to: DateTime!, $timeZone: String!) {
  lessonCalendar(filter: {branchId: $branchId, from: $from, to: $to}, timeZone: $timeZone) {
    date
    lessons {
      id
      startsAt
      endsAt
      lessonType
      status
      teacherId
      roomId
      placesLeft
      group { id name }
      participants { studentId familyId reason }
    }
  }
}""",
        {"branchId": "", "from": "2025-09-01T00:00:00+00:00", "to": "2025-10-01T00:00:00+00:00",
         "timeZone": "Europe/Moscow"},
    ),
    ExampleOperation(
        "Lesson sheet",
        """# A lesson with its sheet: attendance, homework done, grades and comments per student.
query LessonSheet($lessonId: ID!) {
  lesson(id: $lessonId) {
    id
    startsAt
    lessonType
    group { name }
    sheet {
      revision
      filled
      summary
      homework
      updatedAt
      students {
        studentId
        onLesson
        attendance
        homeworkDone
        grade
        comment
        student { firstName lastName }
      }
    }
  }
}""",
        {"lessonId": ""},
    ),
    ExampleOperation(
        "Save a lesson sheet",
        """# Save the sheet (send the revision you loaded: a newer one on the server is a conflict).
mutation SaveLessonSheet($input: SaveLessonSheetInput!) {
  saveLessonSheet(input: $input) {
    sheet { revision filled students { studentId attendance grade } }
    errors { field message code }
  }
}""",
        {"input": {"lessonId": "", "summary": "", "homework": "", "expectedRevision": 0,
                   "students": [{"studentId": "", "attendance": "PRESENT"}]}},
    ),
    ExampleOperation(
        "Family payments",
        """# A family: its balance, payments and the latest lines of its statement.
query FamilyPayments($familyId: ID!) {
  family(id: $familyId) {
    id
    guardianPhone
    students { id firstName lastName remainingLessons }
    account { balance { amount currency } creditLimit { amount currency } inDebt }
    payments { id amount { amount currency } refunded { amount } method receivedAt receivedBy }
    statement(first: 20) {
      edges { node { at kind description amount { amount } balanceAfter { amount } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}""",
        {"familyId": ""},
    ),
    ExampleOperation(
        "Record a payment",
        """# Record a payment at the desk (the idempotency key makes a retry safe).
mutation RecordPayment($input: RecordPaymentInput!) {
  recordPayment(input: $input) {
    payment { id amount { amount currency } method receivedAt }
    balanceAfter { amount currency }
    errors { field message code }
  }
}""",
        {"input": {"familyId": "", "amount": "0", "method": "CASH", "idempotencyKey": "desk-1"}},
    ),
    ExampleOperation(
        "Debtors",
        """# Families of the branch with a negative balance.
query Debtors($branchId: ID!) {
  debtors(branchId: $branchId) { familyId studentNames balance { amount currency } }
}""",
        {"branchId": ""},
    ),
)


ASSETS_DIR = Path(__file__).with_name("console_assets")
ASSETS_PATH = "/console/assets/"
# What the page loads, in order; the rest of console_assets/ (licences, versions.json) is served as text.
PAGE_STYLESHEETS = ("graphiql.min.css",)
PAGE_SCRIPTS = ("react.production.min.js", "react-dom.production.min.js", "graphiql.min.js")
_MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".LICENSE": "text/plain; charset=utf-8",
}
# Each URL the page uses carries the file's content hash, so a browser may keep a file for a year.
ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class ConsoleAsset:
    name: str
    body: bytes
    media_type: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.body).hexdigest()[:16]

    @property
    def etag(self) -> str:
        return f'"{self.digest}"'


def load_assets(directory: Path = ASSETS_DIR) -> dict[str, ConsoleAsset]:
    """The files of console_assets/ that may be served, by name (read once, when the gateway starts)."""
    assets = {}
    for path in sorted(directory.iterdir()):
        media_type = _MEDIA_TYPES.get(path.suffix)
        if path.is_file() and media_type is not None:
            assets[path.name] = ConsoleAsset(path.name, path.read_bytes(), media_type)
    missing = [name for name in (*PAGE_STYLESHEETS, *PAGE_SCRIPTS) if name not in assets]
    if missing:
        raise RuntimeError(f"The console's assets are missing from {directory}: {', '.join(missing)} "
                           "(gateway/console/update_assets.sh puts them there).")
    return assets


CONSOLE_ASSETS = load_assets()


def asset_url(name: str, assets: dict[str, ConsoleAsset] = CONSOLE_ASSETS) -> str:
    # Relative to /graphql, so the console also works behind a proxy that serves the gateway under a prefix.
    return f"{ASSETS_PATH.lstrip('/')}{name}?v={assets[name].digest}"


def console_asset_response(request: Request, assets: dict[str, ConsoleAsset] = CONSOLE_ASSETS) -> Response:
    """`GET /console/assets/{name}`: one of the committed files, with long cache headers and its ETag."""
    asset = assets.get(request.path_params.get("name", ""))
    if asset is None:
        return PlainTextResponse("No such console asset.", status_code=404)
    headers = {"cache-control": ASSET_CACHE_CONTROL, "etag": asset.etag, "x-content-type-options": "nosniff"}
    if asset.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


def console_html(examples: tuple[ExampleOperation, ...] = EXAMPLE_OPERATIONS) -> str:
    tabs = [{"query": e.query, "variables": json.dumps(e.variables, indent=2)} for e in examples]
    config = {"signIn": SIGN_IN_MUTATION, "refresh": REFRESH_MUTATION, "signOut": SIGN_OUT_MUTATION, "tabs": tabs,
              "titles": [e.title for e in examples]}
    # Embedded as JSON in a <script type="application/json">: escape what could end the element.
    data = json.dumps(config).replace("</", "<\\/")
    stylesheets = "\n".join(f'  <link rel="stylesheet" href="{asset_url(name)}" />' for name in PAGE_STYLESHEETS)
    scripts = "\n".join(f'  <script src="{asset_url(name)}"></script>' for name in PAGE_SCRIPTS)
    return (
        _PAGE.replace("__STYLESHEETS__", stylesheets)
        .replace("__SCRIPTS__", scripts)
        .replace("__CONFIG__", data)
        .replace("__TITLES__", html.escape(", ".join(e.title for e in examples)))
    )


_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>Kabinet GraphQL console</title>
  <style>
    body { margin: 0; height: 100vh; display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
    #bar { display: flex; gap: .5rem; align-items: center; padding: .4rem .8rem; border-bottom: 1px solid #ddd; }
    #bar input { padding: .2rem .4rem; }
    #who { margin-left: auto; color: #555; }
    #graphiql { flex: 1; min-height: 0; }
  </style>
__STYLESHEETS__
</head>
<body>
  <form id="bar" autocomplete="on">
    <strong>Kabinet</strong>
    <span id="signed-out">
      <input id="login" name="login" placeholder="email or phone" autocomplete="username" required />
      <input id="password" name="password" type="password" placeholder="password"
             autocomplete="current-password" required />
      <button type="submit">Sign in</button>
    </span>
    <span id="signed-in" hidden><button type="button" id="sign-out">Sign out</button></span>
    <span id="who">Saved operations: __TITLES__</span>
  </form>
  <div id="graphiql">Loading the console…</div>
  <script id="console-config" type="application/json">__CONFIG__</script>
__SCRIPTS__
  <script>
    const config = JSON.parse(document.getElementById("console-config").textContent);
    const url = window.location.pathname;
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
    // Access tokens live under a minute: trade the refresh token for new ones shortly before expiry
    // (one refresh at a time: a spent refresh token presented twice ends the whole session).
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
  </script>
</body>
</html>
"""

GRAPHIQL_HTML = console_html()
