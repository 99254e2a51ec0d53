"""`kabinet run`: the whole system in one process, with demo data, for trying Kabinet without servers."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from kabinet.logging import configure_logging
from kabinet.settings import MessagingSettings
from kabinet_stack import demo
from kabinet_stack.embedded import Stack

log = logging.getLogger("kabinet")


def public_url(host: str, port: int) -> str:
    return f"http://{'localhost' if host in ('0.0.0.0', '127.0.0.1') else host}:{port}"


def _banner(host: str, port: int, logins: list[str]) -> str:
    base = public_url(host, port)
    lines = [
        "",
        "Kabinet is running (embedded mode: SQLite files + in-process bus, all services in one process).",
        f"  Gateway (GraphQL): {base}/graphql",
        f"  Console (GraphiQL): {base}/graphql  (open in a browser)",
        f"  Health: {base}/healthz   Readiness: {base}/readyz",
    ]
    if logins:
        lines.append("  Demo logins:")
        lines += [f"    {line}" for line in logins]
    lines.append("")
    return "\n".join(lines)


def _logins(seeded: dict[str, Any]) -> list[str]:
    ident = seeded.get("identity")
    return list(ident.logins()) if ident is not None else []


def build_app(data_dir: Path, with_demo: bool, host: str, port: int) -> Starlette:
    # Links the services hand out (calendar feeds, email confirmation) point where this process listens,
    # unless KABINET_PUBLIC_URL says otherwise (behind a proxy).
    stack = Stack(data_dir, messaging=MessagingSettings(amqp_url=os.environ.get("AMQP_URL")),
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
            print(_banner(host, port, logins), flush=True)
            yield

    stack.app.router.lifespan_context = lifespan
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
    args = parser.parse_args(argv)
    configure_logging("kabinet", os.environ.get("LOG_LEVEL", "WARNING"))
    if args.reset and args.data_dir.exists():
        shutil.rmtree(args.data_dir)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    import uvicorn

    app = build_app(args.data_dir.resolve(), not args.no_demo, args.host, args.port)
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, access_log=False)


