"""The family cabinet in a real browser: one `kabinet run` per test module, Debian's Chromium, both screen sizes.

The app talks to the gateway by persisted-document hash only, with the gateway in trusted-documents-only mode.
What a test arranges as staff (a payment, a grade, an open slot, an answer) is done straight on the
service's own /graphql under /services/<name>/ - the gateway would refuse those documents, rightly.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from kabinet.web.gateway_only import SECRET_ENV, SECRET_HEADER
from kabinet_stack.testing import kabinet_run

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = (PHONE, DESKTOP)
STAFF_PASSWORD = "kabinet-demo-2025"
TEACHER = "olga.smirnova@kabinet.demo"
ADMIN = "admin.msk@kabinet.demo"
OWNER = "owner@kabinet.demo"
CODE = "111111"
WEBHOOK_SECRET = "web-tests-webhook-secret"
GATEWAY_SECRET = secrets.token_hex(32)  # this module's stack's gateway <-> services secret
AXE = WEB / "node_modules" / "axe-core" / "axe.min.js"


class Staff:
    """Staff actions for arranging a test, on the services' own endpoints (never the app's path)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.AsyncClient(base_url=base, timeout=60)
        self.tokens: dict[str, tuple[str, float]] = {}  # login -> (access token, when to sign in again)
        # the services' /graphql answers only the gateway: these calls carry the stack's shared secret
        self.headers = {SECRET_HEADER: GATEWAY_SECRET}

    async def answer(self, service: str, query: str, variables: dict[str, Any] | None = None,
                     login: str | None = None) -> dict[str, Any]:
        """The whole GraphQL answer (data and errors)."""
        headers = dict(self.headers)
        if login:
            headers["authorization"] = f"Bearer {await self.token(login)}"
        answer: dict[str, Any] = (await self.http.post(f"/services/{service}/graphql", headers=headers,
                                                       json={"query": query, "variables": variables or {}})).json()
        return answer

    async def call(self, service: str, query: str, variables: dict[str, Any] | None = None,
                   login: str | None = None) -> dict[str, Any]:
        answer = await self.answer(service, query, variables, login)
        assert not answer.get("errors"), answer
        data: dict[str, Any] = answer["data"]
        return data

    async def token(self, login: str) -> str:
        # Access tokens live 45 s: a slow run (a loaded machine) outlives one, so sign in again before expiry.
        cached = self.tokens.get(login)
        if cached is None or time.monotonic() >= cached[1]:
            data = await self.call("identity", "mutation($l: String!, $p: String!) { signInWithPassword("
                                   "login: $l, password: $p) { session { accessToken expiresIn } errors { code } } }",
                                   {"l": login, "p": STAFF_PASSWORD})
            session = data["signInWithPassword"]["session"]
            self.tokens[login] = cached = (session["accessToken"], time.monotonic() + session["expiresIn"] - 15)
        return cached[0]

    async def pay_online(self, checkout_url: str, family_id: str, amount: str, invoice_id: str | None) -> None:
        """What the payment provider does once the parent has paid: a signed notification to billing."""
        body = json.dumps({
            "id": checkout_url.rstrip("/").rsplit("/", 1)[-1], "status": "succeeded",
            "amount": {"value": amount, "currency": "RUB"},
            "metadata": {"family_id": family_id, "invoice_id": invoice_id},
        }).encode()
        signature = base64.b64encode(hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).digest()).decode()
        answer = await self.http.post("/services/billing/webhooks/payments/local", content=body,
                                      headers={"content-hmac": signature, "content-type": "application/json"})
        assert answer.status_code == 200, answer.text


class Cabinet:
    """The running stack, the browser, and what the demo seeded (families by phone, their children)."""

    def __init__(self, app_url: str, staff: Staff, browser: Browser) -> None:
        self.url, self.staff, self.browser = app_url, staff, browser
        self.families: dict[str, dict[str, Any]] = {}
        self.branch_id = ""
        self.origin = urlsplit(app_url).netloc

    async def load_demo(self) -> None:
        owner = "owner@kabinet.demo"
        branches = (await self.staff.call("identity", "{ branches { id name } }", login=owner))["branches"]
        self.branch_id = next(b["id"] for b in branches if b["name"] == "Kabinet Moscow Center")
        for branch in branches:
            data = await self.staff.call("identity", """query($b: ID!) { branchFamilies(branchId: $b, first: 50) {
                edges { node { id guardianPhone students { id firstName lastName birthDate } } } } }""",
                                         {"b": branch["id"]}, login=owner)
            for edge in data["branchFamilies"]["edges"]:
                self.families[edge["node"]["guardianPhone"]] = edge["node"]

    async def context(self, viewport: dict[str, int] = PHONE) -> BrowserContext:
        # bypass_csp: only so that axe-core can be injected; the app itself runs under the gateway's CSP.
        context = await self.browser.new_context(viewport=viewport, locale="ru-RU", bypass_csp=True)
        origin = self.origin

        async def only_this_origin(route: Any) -> None:
            host = urlsplit(route.request.url).netloc
            if host == origin or route.request.url.startswith("data:"):
                await route.continue_()
            elif host == "pay.local.test":  # the payment provider's stand-in page
                await route.fulfill(status=200, content_type="text/html",
                                    body="<!doctype html><title>Оплата</title><h1>Оплата</h1>")
            else:
                await route.abort()

        await context.route("**/*", only_this_origin)
        return context


@pytest.fixture(scope="module")
async def cabinet(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Cabinet]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium; the browser tests never download one.",
                    pytrace=False)
    tmp = tmp_path_factory.mktemp("web")
    async with _app(tmp) as (app_url, base), async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        staff = Staff(base)
        try:
            cab = Cabinet(app_url, staff, browser)
            await cab.load_demo()
            yield cab
        finally:
            await staff.http.aclose()
            await browser.close()


@contextlib.asynccontextmanager
async def _app(tmp: Path) -> AsyncIterator[tuple[str, str]]:
    """`kabinet run --trusted-documents-only`: the gateway serves web/dist (built by kabinet run when stale) and
    runs only its persisted documents. Yields (the app's URL, the gateway's URL) - the same origin."""
    env = {"BILLING_PAYMENT_WEBHOOK_SECRET": WEBHOOK_SECRET, SECRET_ENV: GATEWAY_SECRET}
    async with kabinet_run(tmp, "--trusted-documents-only", env=env) as (base, _log):
        yield base, base


# -- page helpers ------------------------------------------------------------------------------------------

async def axe_check(page: Page, screen: str) -> None:
    """axe-core on the page as it is: no critical or serious violation."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
           if v["impact"] in ("critical", "serious")]
    assert bad == [], f"{screen}: {bad}"


async def watched_page(cabinet: Cabinet, viewport: dict[str, int] = PHONE) -> tuple[BrowserContext, Page, list[str]]:
    """A new context and page, and the list its uncaught script errors go to (a module's page asserts none)."""
    context = await cabinet.context(viewport)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


async def go(page: Page, path: str) -> None:
    """Open a path inside the app as a link would (the session stays in the page's memory)."""
    await page.evaluate("(p) => { history.pushState(null, '', p); dispatchEvent(new PopStateEvent('popstate')); }",
                        path)


async def tab_to(page: Page, check: str, presses: int = 60) -> None:
    """Press Tab until the focused element `e` passes `check` (a JavaScript expression): reachable by keyboard."""
    for _ in range(presses):
        await page.keyboard.press("Tab")
        if await page.evaluate(f"(() => {{ const e = document.activeElement; return {check}; }})()"):
            return
    raise AssertionError(f"not reachable with Tab: {check}")


async def sign_in_with_password(page: Page, url: str, login: str, password: str = STAFF_PASSWORD) -> None:
    """Staff sign in on the app's sign-in page with a password (the demo's, unless given); the caller waits for
    what the answer shows."""
    await page.goto(f"{url}/signin")
    await page.get_by_role("tab", name="По паролю").click()
    await page.fill("input[name=login]", login)
    await page.fill("input[name=password]", password)
    await page.click("form button[type=submit]")


async def sign_in_as_teacher(page: Page, url: str) -> None:
    await sign_in_with_password(page, url, TEACHER)
    await page.wait_for_selector("[data-testid=teacher-home][data-loaded=true]", timeout=30_000)


async def sign_in_as_admin(page: Page, url: str) -> None:
    await sign_in_with_password(page, url, ADMIN)
    await page.wait_for_selector("[data-testid=admin-month]", timeout=30_000)


async def sign_in_with_code(page: Page, url: str, phone: str) -> None:
    await page.goto(f"{url}/signin")
    await page.fill("input[name=phone]", phone)
    await page.click("form button[type=submit]")
    await page.fill("input[name=code]", CODE)
    await page.click("form button[type=submit]")
    await page.wait_for_selector("[data-testid=child-home][data-loaded=true]", timeout=30_000)


@contextlib.asynccontextmanager
async def signed_in_family(cabinet: Cabinet, phone: str) -> AsyncIterator[Page]:
    """A guardian signed in by code on a phone-sized page; on leaving, the page must have thrown no script error."""
    context, page, errors = await watched_page(cabinet, PHONE)
    await sign_in_with_code(page, cabinet.url, phone)
    yield page
    await context.close()
    assert errors == [], errors
