"""`kabinet run`: the whole system in one process, with demo data, for trying Kabinet without servers."""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import logging
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from gateway.config import GatewaySettings
from kabinet.logging import configure_logging
from kabinet.settings import MessagingSettings
from kabinet.tracing import configure_tracing
from kabinet_stack import demo
from kabinet_stack.embedded import Stack
from kabinet_stack.web_build import REPO_WEB, WebBuild, ensure_built

log = logging.getLogger("kabinet")


def is_loopback(host: str) -> bool:
    """Whether only this machine reaches ``host`` (the demo's mailbox is safe there only)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def public_url(host: str, port: int) -> str:
    return f"http://{'localhost' if host in ('0.0.0.0', '127.0.0.1') else host}:{port}"


def _banner(host: str, port: int, logins: list[str], web: WebBuild | None = None, trusted_only: bool = False) -> str:
    base = public_url(host, port)
    lines = [
        "",
        "Kabinet is running (embedded mode: SQLite files + in-process bus, all services in one process).",
    ]
    if web is not None and web.dist is not None:
        lines.append(f"  Family cabinet (web app): {base}/  (open in a browser)")
        lines.append(f"  Teacher's cabinet (same app): {base}/t  (sign in with a demo teacher's e-mail and password)")
    else:
        reason = web.problem if web is not None and web.problem else "not built"
        lines.append(f"  Family cabinet (web app): not served - {reason}")
    if web is not None and web.dist is not None and web.problem:
        lines.append(f"    ({web.problem})")
    lines += [
        f"  Console (GraphiQL): {base}/console",
        f"  Gateway (GraphQL): {base}/graphql" + ("  (trusted documents only)" if trusted_only else ""),
        f"  Health: {base}/healthz   Readiness: {base}/readyz",
        "  Development mailbox (ON: every sign-in code and reset link is readable here, for trying only):",
        f"    {base}/services/identity/dev/messages",
    ]
    if logins:
        lines.append("  Demo logins:")
        lines += [f"    {line}" for line in logins]
        lines.append(f"  SMS codes and emails are not sent in the demo: they are in the development mailbox, "
                     f"{base}/services/identity/dev/messages (the demo guardians' code is always the one above).")
    lines.append("")
    return "\n".join(lines)


def _logins(seeded: dict[str, Any]) -> list[str]:
    ident = seeded.get("identity")
    return list(ident.logins()) if ident is not None else []


def build_app(data_dir: Path, with_demo: bool, host: str, port: int, web: WebBuild | None = None,
              trusted_only: bool = False) -> Starlette:
    # The web app's operations are registered by hash; other documents run too unless trusted_only (the console
    # then cannot run its own).
    gateway_settings = GatewaySettings(
        compose_timeout_s=60,
        web_dir=web.dist if web is not None else None,
        trusted_documents=web.manifest if web is not None else None,
        trusted_documents_only=trusted_only,
    )
    # For trying Kabinet: the console and the introspection it needs are on (the banner names the console), unless
    # GATEWAY_CONSOLE_ENABLED / GATEWAY_INTROSPECTION_ENABLED say otherwise; the gateway's own default is off.
    gateway_settings = gateway_settings.model_copy(update={
        name: True for name, variable in (("console_enabled", "GATEWAY_CONSOLE_ENABLED"),
                                          ("introspection_enabled", "GATEWAY_INTROSPECTION_ENABLED"))
        if variable not in os.environ})
    if "GATEWAY_CACHE" not in os.environ:
        # One gateway in this process: its entity cache in memory, kept true by the events (GATEWAY_CACHE=off
        # turns it off; docs/performance.md).
        gateway_settings = gateway_settings.model_copy(update={"cache": "memory"})
    # Embedded demo mode: the development mailbox is on (the banner says so), so demo codes can be read.
    # Links the services hand out (calendar feeds, email confirmation) point where this process listens, unless
    # KABINET_PUBLIC_URL says otherwise (behind a proxy).
    stack = Stack(data_dir, messaging=MessagingSettings(amqp_url=os.environ.get("AMQP_URL")),
                  gateway_settings=gateway_settings, dev_mailbox=True,
                  public_url=os.environ.get("KABINET_PUBLIC_URL") or public_url(host, port))
    marker = data_dir / "demo-seeded.json"

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if with_demo and hasattr(stack.identity.settings, "dev_fixed_code"):
            # Demo guardians sign in with a fixed code; it only works with the development SMS mailbox.
            from identity.demo import DEMO_CODE

            stack.identity.settings.dev_fixed_code = stack.identity.settings.dev_fixed_code or DEMO_CODE
        async with stack.running():
            logins: list[str] = []
            if with_demo and not marker.exists():
                logins = _logins(await demo.seed(stack))
                marker.write_text(json.dumps({"logins": logins}, indent=2))
            elif marker.exists():
                logins = json.loads(marker.read_text())["logins"]  # seeded at an earlier start
            print(_banner(host, port, logins, web, trusted_only), flush=True)
            yield

    stack.app.router.lifespan_context = lifespan
    stack.app.state.gateway_settings = stack.gateway_settings  # what the server is configured with (main)
    return stack.app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="kabinet")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start the whole system in one process (embedded mode) with demo data")
    run.add_argument("--host", default=os.environ.get("KABINET_HOST", "127.0.0.1"))
    run.add_argument("--port", type=int, default=int(os.environ.get("KABINET_PORT", "8000")))
    run.add_argument("--data-dir", type=Path, default=Path(os.environ.get("KABINET_DATA_DIR", "var")))
    run.add_argument("--no-demo", action="store_true", help="start empty")
    run.add_argument("--reset", action="store_true", help="delete the data directory first")
    run.add_argument("--trusted-documents-only", action="store_true",
                     default=os.environ.get("GATEWAY_TRUSTED_DOCUMENTS_ONLY", "").lower() in ("1", "true", "yes"),
                     help="run only the web app's registered operations (the console cannot run its own)")
    run.add_argument("--web-source", type=Path, default=Path(os.environ.get("KABINET_WEB_SOURCE", REPO_WEB)),
                     help="the web app to build and serve (default: web/ of this repository)")
    run.add_argument("--no-web", action="store_true", help="neither build nor serve the web app")
    run.add_argument("--allow-remote", action="store_true",
                     default=os.environ.get("KABINET_ALLOW_REMOTE", "").lower() in ("1", "true", "yes"),
                     help="listen on an address other machines reach although the development mailbox (every "
                          "sign-in code) is readable there")
    args = parser.parse_args(argv)
    if not args.allow_remote and not is_loopback(args.host):
        parser.error(f"--host {args.host}: this demo's development mailbox shows every sign-in code to whoever "
                     "reaches it; add --allow-remote (KABINET_ALLOW_REMOTE=1) to listen there anyway")
    configure_logging("kabinet", os.environ.get("LOG_LEVEL", "WARNING"))
    configure_tracing("kabinet")
    if args.reset and args.data_dir.exists():
        shutil.rmtree(args.data_dir)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    import uvicorn

    web = None if args.no_web else ensure_built(args.web_source.resolve())
    if web is not None and web.problem:
        log.warning("web app: %s", web.problem)
    if args.trusted_documents_only and (web is None or web.manifest is None):
        parser.error("--trusted-documents-only needs the built web app's persisted-documents.json")
    app = build_app(args.data_dir.resolve(), not args.no_demo, args.host, args.port, web,
                    args.trusted_documents_only)
    # A WebSocket message is held to the gateway's body limit before it is buffered whole, as under
    # `kabinet-gateway serve`.
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, access_log=False,
                ws_max_size=app.state.gateway_settings.ws_max_size)


