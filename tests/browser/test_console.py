"""The console in a real browser, offline: `kabinet run` (what `make run` starts) and headless Chromium.

Starts the real command in a subprocess with demo data, opens /console in Debian's Chromium driven by Playwright
(never a browser Playwright downloads) with every request to another host refused, signs in as the demo branch
admin through the console's bar, opens the saved "Month schedule" operation, fills in the branch and this month,
clicks GraphiQL's run button and checks that the result pane shows the branch's lessons, not an error.
The docs explorer shows the API schema. A screenshot of the page is left in the test's tmp dir (console.png).
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Page, async_playwright

from kabinet_stack.testing import kabinet_run

# Playwright's browser builds are never downloaded (there is no internet): Debian's Chromium is driven instead.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ADMIN_LOGIN, PASSWORD = "admin.msk@kabinet.demo", "kabinet-demo-2025"



async def _branch_id(base: str, name: str) -> str:
    """The demo branch's id, as the admin would read it from `branches` (the saved operations leave it blank)."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        signed = (await client.post("/graphql", json={
            "query": "mutation($l: String!, $p: String!) { signInWithPassword(login: $l, password: $p) "
                     "{ session { accessToken } } }", "variables": {"l": ADMIN_LOGIN, "p": PASSWORD}})).json()
        token = signed["data"]["signInWithPassword"]["session"]["accessToken"]
        branches = (await client.post("/graphql", headers={"Authorization": f"Bearer {token}"},
                                      json={"query": "{ branches { id name } }"})).json()
    return next(b["id"] for b in branches["data"]["branches"] if b["name"] == name)


def _this_month() -> tuple[str, str]:
    now = datetime.now(UTC)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start.isoformat(), end.isoformat()


# GraphiQL 3 edits with CodeMirror 5, which hangs its editor object on the element: read and set through it.
_EDITOR_VALUE = "(selector) => document.querySelector(selector + ' .CodeMirror').CodeMirror.getValue()"
_SET_EDITOR_VALUE = """([selector, value]) => {
  document.querySelector(selector + ' .CodeMirror').CodeMirror.setValue(value);
}"""
QUERY_EDITOR = ".graphiql-query-editor"
VARIABLES_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden)"
RESULT = ".graphiql-response"


async def _result(page: Page) -> dict:
    text = ""
    for _ in range(200):
        text = await page.evaluate(_EDITOR_VALUE, RESULT)
        if text.strip():
            return json.loads(text)
        await asyncio.sleep(0.1)
    raise AssertionError(f"GraphiQL's result pane stayed empty: {text!r}")


async def test_console_signs_in_and_runs_a_saved_operation_offline(tmp_path: Path) -> None:
    # Debian's Chromium: missing is a failure, never a skip (and Playwright never downloads a browser).
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium`, as .ci/run does); "
                    "the console's browser test never downloads a browser.", pytrace=False)
    async with kabinet_run(tmp_path) as (base, log):
        await _drive_the_console(base, log, tmp_path)


async def _drive_the_console(base: str, log: Path, tmp_path: Path) -> None:
    assert f"branch admin:  {ADMIN_LOGIN} / {PASSWORD}" in log.read_text()
    branch_id = await _branch_id(base, "Kabinet Moscow Center")
    origin = urlsplit(base).netloc

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1400, "height": 900})
            # Offline: anything but the gateway is refused (and remembered, to fail the test below).
            elsewhere: list[str] = []

            async def only_the_gateway(route):
                url = route.request.url
                if urlsplit(url).netloc == origin or url.startswith("data:"):
                    await route.continue_()
                else:
                    elsewhere.append(url)
                    await route.abort()

            await page.route("**/*", only_the_gateway)
            page_errors: list[str] = []
            page.on("pageerror", lambda exc: page_errors.append(str(exc)))
            # The page's Content-Security-Policy (no inline script) blocks nothing the console needs.
            csp_violations: list[str] = []
            page.on("console", lambda m: csp_violations.append(m.text) if "Content Security Policy" in m.text
                    else None)
            assets: list[tuple[str, int]] = []
            page.on("response", lambda r: assets.append((r.url, r.status)) if "/console/assets/" in r.url else None)

            await page.goto(f"{base}/console", wait_until="load")
            # GraphiQL rendered (React + ReactDOM + GraphiQL came from the gateway) and fetched the schema.
            await page.wait_for_selector(".graphiql-container", timeout=30_000)
            assert sorted(url.split("/console/assets/")[1].split("?")[0] for url, _ in assets) == [
                "console.css", "console.js", "graphiql.min.css", "graphiql.min.js", "react-dom.production.min.js",
                "react.production.min.js"]
            assert all(status == 200 for _, status in assets), assets

            # Sign in through the bar: identity's signInWithPassword through the gateway.
            assert await page.text_content("#who") == "Not signed in"
            await page.fill("#login", ADMIN_LOGIN)
            await page.fill("#password", PASSWORD)
            await page.click("#bar button[type=submit]")
            await page.wait_for_function("() => document.getElementById('who').textContent.startsWith('Signed in')")
            assert "branch_admin" in (await page.text_content("#who") or "").lower().replace(" ", "_")
            assert await page.evaluate("sessionStorage.getItem('kabinet.console.token')")
            assert await page.is_hidden("#signed-out")

            # The saved operations are GraphiQL's tabs; open the month schedule and fill in its variables.
            tab_titles = [t.strip() for t in await page.locator(".graphiql-tab").all_inner_texts()]
            assert any("MonthSchedule" in t for t in tab_titles), tab_titles
            assert any("Debtors" in t for t in tab_titles), tab_titles
            await page.locator(".graphiql-tab", has_text="MonthSchedule").locator("button").first.click()
            await page.wait_for_function(
                "() => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue()"
                ".includes('query MonthSchedule')")
            variables = json.loads(await page.evaluate(_EDITOR_VALUE, VARIABLES_EDITOR))
            assert set(variables) == {"branchId", "from", "to", "timeZone"}
            start, end = _this_month()
            variables.update(branchId=branch_id, **{"from": start, "to": end})
            await page.evaluate(_SET_EDITOR_VALUE, [VARIABLES_EDITOR, json.dumps(variables, indent=2)])

            async with page.expect_response(lambda r: r.request.method == "POST" and "/graphql" in r.url
                                            and "MonthSchedule" in (r.request.post_data or "")) as sent:
                await page.click(".graphiql-execute-button")
            request = (await sent.value).request
            assert (await request.all_headers()).get("authorization", "").startswith("Bearer ")

            result = await _result(page)
            assert "errors" not in result, result
            days = result["data"]["lessonCalendar"]
            assert days and all(day["lessons"] for day in days), result
            lesson = days[0]["lessons"][0]
            assert lesson["id"] and lesson["startsAt"] and lesson["status"]
            assert "lessonCalendar" in (await page.inner_text(RESULT))  # shown in the pane, not just held

            # Access tokens live under a minute: near expiry the console refreshes before it sends.
            refresh_before = await page.evaluate("sessionStorage.getItem('kabinet.console.refresh')")
            await page.evaluate("sessionStorage.setItem('kabinet.console.expires', String(Date.now()))")
            async with page.expect_response(lambda r: r.request.method == "POST" and "/graphql" in r.url
                                            and "MonthSchedule" in (r.request.post_data or "")) as again:
                await page.click(".graphiql-execute-button")
            assert (await again.value).status == 200
            assert await page.evaluate("sessionStorage.getItem('kabinet.console.refresh')") != refresh_before
            assert "errors" not in await _result(page)

            screenshot = tmp_path / "console.png"
            await page.screenshot(path=str(screenshot))
            assert screenshot.stat().st_size > 10_000
            print(f"console screenshot: {screenshot}")

            # The docs explorer shows the API schema (GraphiQL's introspection went through the gateway too).
            await page.click('button[aria-label*="Documentation Explorer"]')
            docs = page.locator(".graphiql-doc-explorer")
            await docs.get_by_text("Query", exact=True).first.wait_for(timeout=10_000)
            await docs.get_by_text("Query", exact=True).first.click()
            await docs.get_by_text("lessonCalendar", exact=True).first.wait_for(timeout=10_000)

            assert elsewhere == [], f"the console asked for something outside the gateway: {elsewhere}"
            assert page_errors == [], page_errors
            assert csp_violations == [], csp_violations
        finally:
            await browser.close()
