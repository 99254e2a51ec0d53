"""The console: GraphiQL for branch admins, with sign-in and saved operations for their daily work.

- **Sign-in**: a small form posts identity's `signInWithPassword` mutation through this gateway; the tokens are
  kept in `sessionStorage` (gone when the tab closes) and the access token is sent as `Authorization: Bearer ...`
  with every request GraphiQL makes. Access tokens live under a minute (docs/security-signin.md), so before a
  request the console trades the refresh token for new ones (`refreshSession`) when the access token is about to
  expire, and once more on a 401. "Sign out" ends the session (`signOut`) and forgets the tokens.
- **Schema documentation**: GraphiQL's docs explorer, from introspection of the API schema (so the console
  follows `GATEWAY_INTROSPECTION_ENABLED`). Both are off unless configured (`GATEWAY_CONSOLE_ENABLED=true`).
- **Saved operations**: `EXAMPLE_OPERATIONS`, opened as GraphiQL tabs - the month's schedule, a lesson sheet (read
  and save), a family's payments and recording a payment, the branch's debtors. A test validates each against
  the API schema composed from the real services, so they change when the schema does.

- **Where**: `GET /console` (the web app has `/`); `GET /graphql` from a browser (Accept: text/html) redirects there.
- **Assets**: GraphiQL, React and ReactDOM (UMD production builds, with their licences) are committed under
  `console_assets/` and served by the gateway itself at `/console/assets/<name>`, so the console works on a machine
  without internet access. `gateway/console/update_assets.sh` refreshes them from npm (versions pinned in
  `gateway/console/package.json`). The page's own script and styles are files too (`console_page/`), so its
  Content-Security-Policy allows no inline script. The page asks for every file with `?v=<content hash>`, so
  they can be cached for a year and a new version still reaches the browser.
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
OWN_DIR = Path(__file__).with_name("console_page")
ASSETS_PATH = "/console/assets/"
# What the page loads, in order; the rest of console_assets/ (licences, versions.json) is served as text.
PAGE_STYLESHEETS = ("graphiql.min.css",)
PAGE_SCRIPTS = ("react.production.min.js", "react-dom.production.min.js", "graphiql.min.js")
# The console's own files (console_page/), loaded after GraphiQL's.
OWN_STYLESHEETS = ("console.css",)
OWN_SCRIPTS = ("console.js",)
# Only this origin's scripts and styles (GraphiQL and CodeMirror set styles through the CSSOM, which the policy
# allows); GraphiQL's fonts and icons are data: URLs. tests/browser/test_console.py fails on any violation.
CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
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


def load_assets(
    directory: Path = ASSETS_DIR, required: tuple[str, ...] = (*PAGE_STYLESHEETS, *PAGE_SCRIPTS)
) -> dict[str, ConsoleAsset]:
    """The files of a directory that may be served, by name (read once, when the gateway starts)."""
    assets = {}
    for path in sorted(directory.iterdir()):
        media_type = _MEDIA_TYPES.get(path.suffix)
        if path.is_file() and media_type is not None:
            assets[path.name] = ConsoleAsset(path.name, path.read_bytes(), media_type)
    missing = [name for name in required if name not in assets]
    if missing:
        raise RuntimeError(f"The console's assets are missing from {directory}: {', '.join(missing)} "
                           "(gateway/console/update_assets.sh puts them there).")
    return assets


CONSOLE_ASSETS = {**load_assets(), **load_assets(OWN_DIR, (*OWN_STYLESHEETS, *OWN_SCRIPTS))}


def asset_url(name: str, assets: dict[str, ConsoleAsset] = CONSOLE_ASSETS) -> str:
    # Relative to /console, so the console also works behind a proxy that serves the gateway under a prefix.
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
    config = {"endpoint": "graphql", "signIn": SIGN_IN_MUTATION, "refresh": REFRESH_MUTATION,
              "signOut": SIGN_OUT_MUTATION, "tabs": tabs, "titles": [e.title for e in examples]}
    # Embedded as JSON in a <script type="application/json">: escape what could end the element.
    data = json.dumps(config).replace("</", "<\\/")
    stylesheets = "\n".join(
        f'  <link rel="stylesheet" href="{asset_url(name)}" />' for name in (*PAGE_STYLESHEETS, *OWN_STYLESHEETS)
    )
    scripts = "\n".join(f'  <script src="{asset_url(name)}"></script>' for name in (*PAGE_SCRIPTS, *OWN_SCRIPTS))
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
</body>
</html>
"""

GRAPHIQL_HTML = console_html()
