"""The family cabinet in a browser: what the first screen costs, how fast sign-in shows a child's home, how many
GraphQL requests the home makes.

    uv run python bench/web.py [--runs 20] [--web-source web]

Starts `kabinet run` (what `make run` starts: the embedded stack with demo data, building web/ if needed) on a free
port and drives Debian's Chromium (/usr/bin/chromium, headless, through Playwright) against it:

1. **First-screen JavaScript**: a fresh browser opens `/`; every script it loads until the network is quiet, in
   bytes as sent (the gateway gzips them; the gzip size is computed when a response came uncompressed).
   Target <= 150 KB.
2. **Sign-in to home**: a fresh browser signs in as a demo guardian by SMS code (the demo's fixed code); the time
   from pressing the final "sign in" to the child's home showing its data
   (`[data-testid=child-home][data-loaded=true]`), p50 (and p90) of `--runs` (20). Target p50 <= 800 ms.
3. **Home requests**: the GraphQL requests made from pressing "sign in" until the home is loaded and the network
   quiet: POSTs to /graphql classified as query / mutation by the web app's persisted-documents manifest (the
   sign-in itself is the one mutation), and graphql-ws `subscribe` messages. Target: 1 query + 1 subscription.

Each number is printed next to its target. Without a built web app (no web/ yet, or no Node) it says so and
measures nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, Request, Response, ViewportSize, WebSocket, async_playwright

from kabinet_stack.testing import kabinet_run
from kabinet_stack.web_build import REPO_WEB

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
PHONE_VIEWPORT: ViewportSize = {"width": 390, "height": 844}
HOME = "[data-testid=child-home][data-loaded=true]"
TARGET_JS_KB = 150
TARGET_P50_MS = 800
# The bench signs the same guardian in many times: the demo's per-phone and per-IP SMS caps are raised for it.
RUN_ENV = {"IDENTITY_SMS_PER_PHONE_10MIN": "100000", "IDENTITY_SMS_PER_IP_HOUR": "100000"}


@dataclass
class HomeRequests:
    queries: list[str] = field(default_factory=list)
    mutations: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    subscriptions: list[str] = field(default_factory=list)


def guardian_from_banner(text: str) -> tuple[str, str]:
    """The demo guardian with the most children (the banner's `guardian: +7..., sign-in code NNNNNN (N children)`)."""
    found = re.findall(r"guardian:\s+(\+\d+), sign-in code (\d+)\s+\((\d+) children\)", text)
    if not found:
        raise SystemExit("no demo guardian in the kabinet run banner")
    phone, code, _ = max(found, key=lambda g: int(g[2]))
    return phone, code


def operation_kinds(manifest: Path | None) -> dict[str, str]:
    """sha256 -> query | mutation | subscription, from the app's persisted-documents.json."""
    if manifest is None or not manifest.exists():
        return {}
    kinds = {}
    for digest, text in json.loads(manifest.read_text()).items():
        first = re.search(r"\b(query|mutation|subscription)\b", text)
        kinds[digest.removeprefix("sha256:")] = first.group(1) if first else "query"
    return kinds


async def first_screen_js(browser: Browser, base: str) -> tuple[int, list[tuple[str, int]]]:
    context = await browser.new_context(viewport=PHONE_VIEWPORT)
    page = await context.new_page()
    scripts: list[Response] = []
    page.on("response", lambda r: scripts.append(r) if r.request.resource_type == "script" else None)
    await page.goto(base + "/", wait_until="networkidle")
    sizes = []
    for response in scripts:
        body = await response.body()
        sent = (await response.request.sizes())["responseBodySize"]
        encoded = response.headers.get("content-encoding", "")
        size = sent if encoded and sent > 0 else len(gzip.compress(body, compresslevel=9))
        sizes.append((response.url.removeprefix(base), size))
    await context.close()
    return sum(size for _, size in sizes), sizes


async def sign_in(page: Page, base: str, phone: str, code: str) -> None:
    """Everything before pressing the final "sign in": the phone, the code request, the six digits."""
    await page.goto(base + "/signin", wait_until="networkidle")
    await page.fill("input[name=phone]", phone)
    await page.locator("input[name=phone]").press("Enter")
    await page.wait_for_selector("input[name=code]", timeout=15_000)
    await page.fill("input[name=code]", code)


async def one_sign_in(browser: Browser, base: str, phone: str, code: str, kinds: dict[str, str] | None = None
                      ) -> tuple[float, HomeRequests]:
    context = await browser.new_context(viewport=PHONE_VIEWPORT)
    page = await context.new_page()
    requests = HomeRequests()
    pressed = asyncio.Event()

    def on_request(request: Request) -> None:
        if not request.url.endswith("/graphql") or request.method != "POST" or not pressed.is_set():
            return
        payload = json.loads(request.post_data or "{}")
        name = payload.get("operationName") or "?"
        kind = (kinds or {}).get(str(payload.get("documentId", "")).removeprefix("sha256:"))
        if kind is None and isinstance(payload.get("query"), str):
            kind = "mutation" if payload["query"].lstrip().startswith("mutation") else "query"
        {"query": requests.queries, "mutation": requests.mutations}.get(kind or "", requests.unknown).append(name)

    def on_websocket(socket: WebSocket) -> None:
        def sent(frame: str | bytes) -> None:
            message = json.loads(frame) if isinstance(frame, str) else {}
            if message.get("type") == "subscribe":
                requests.subscriptions.append(str(message.get("payload", {}).get("operationName") or "?"))
        socket.on("framesent", sent)

    page.on("request", on_request)
    page.on("websocket", on_websocket)
    await sign_in(page, base, phone, code)
    started = time.perf_counter()
    pressed.set()  # from here on, requests count: the sign-in mutation, then what the home asks for
    await page.locator("input[name=code]").press("Enter")
    await page.wait_for_selector(HOME, timeout=30_000)
    elapsed_ms = (time.perf_counter() - started) * 1000
    await page.wait_for_load_state("networkidle")
    await asyncio.sleep(0.5)  # a subscription opened just after the data arrived still counts
    await context.close()
    return elapsed_ms, requests


def verdict(ok: bool) -> str:
    return "ok" if ok else "OVER TARGET"


async def main(runs: int, web_source: Path) -> int:
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing (apt-get install chromium): nothing measured")
        return 1
    with tempfile.TemporaryDirectory(prefix="kabinet-bench-web-") as tmp:
        env = {**RUN_ENV, "KABINET_WEB_SOURCE": str(web_source)}
        async with kabinet_run(Path(tmp), env=env) as (base, log):
            banner = log.read_text()
            if "Family cabinet (web app): not served" in banner:
                reason = banner.split("Family cabinet (web app): not served - ", 1)[1].splitlines()[0]
                print(f"bench/web.py: the web app is not served ({reason}): nothing measured")
                return 0
            phone, code = guardian_from_banner(banner)
            kinds = operation_kinds(web_source / "dist" / "persisted-documents.json")
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    total, scripts = await first_screen_js(browser, base)
                    await one_sign_in(browser, base, phone, code)  # warm-up: first compiles, first plans
                    times: list[float] = []
                    requests = HomeRequests()
                    for run in range(runs):
                        elapsed, seen = await one_sign_in(browser, base, phone, code, kinds)
                        times.append(elapsed)
                        if run == runs - 1:
                            requests = seen
                finally:
                    await browser.close()
    p50 = statistics.median(times)
    p90 = statistics.quantiles(times, n=10)[-1] if len(times) >= 2 else times[0]
    print(f"\nbench/web.py: the family cabinet in headless Chromium on a local `kabinet run` ({runs} sign-ins)\n")
    print(f"{'measure':<44} {'value':>16} {'target':>14}  verdict")
    print(f"{'first-screen JavaScript (gzip, as sent)':<44} {total / 1024:>13.1f} KB {'<= 150 KB':>14}  "
          f"{verdict(total <= TARGET_JS_KB * 1024)}")
    for url, size in scripts:
        print(f"    {url:<60} {size / 1024:>8.1f} KB")
    print(f"{'sign in -> child home with data, p50':<44} {p50:>13.0f} ms {'<= 800 ms':>14}  "
          f"{verdict(p50 <= TARGET_P50_MS)}")
    print(f"{'sign in -> child home with data, p90':<44} {p90:>13.0f} ms")
    home_ok = (len(requests.queries) == 1 and len(requests.subscriptions) == 1 and len(requests.mutations) <= 1
               and not requests.unknown)
    shown = f"{len(requests.queries)} q + {len(requests.subscriptions)} sub"
    print(f"{'home screen GraphQL requests':<44} {shown:>16} {'1 q + 1 sub':>14}  {verdict(home_ok)}")
    print(f"    queries: {requests.queries}  subscriptions: {requests.subscriptions}  "
          f"mutations (the sign-in): {requests.mutations}"
          + (f"  unclassified: {requests.unknown}" if requests.unknown else ""))
    return 0


def _args(argv: list[str] | None = None) -> Any:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--web-source", type=Path, default=REPO_WEB, help="the web app (default: web/)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = _args()
    sys.exit(asyncio.run(main(args.runs, args.web_source.resolve())))
