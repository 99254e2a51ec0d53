"""The command line every service shares: ``kabinet-<service> serve|migrate``."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from kabinet.logging import configure_logging
from kabinet.process import BadProcessSetting
from kabinet.runtime import ServiceRuntime
from kabinet.settings import ServiceSettings
from kabinet.tracing import configure_tracing
from kabinet.web.gateway_only import MissingGatewaySecret

S = TypeVar("S", bound=ServiceSettings)


def service_main(
    name: str,
    settings_factory: Callable[[], S],
    runtime_factory: Callable[[S], ServiceRuntime],
    app_factory: Callable[[S], Any],
    argv: list[str] | None = None,
) -> None:
    parser = argparse.ArgumentParser(prog=f"kabinet-{name}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve /graphql, /healthz, /readyz, /metrics")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    sub.add_parser("migrate", help="apply database migrations and exit")
    args = parser.parse_args(argv)
    settings = settings_factory()
    configure_logging(name, settings.log_level)
    configure_tracing(name)
    if args.command == "migrate":
        runtime = runtime_factory(settings)

        async def _migrate() -> None:
            try:
                await runtime.migrate()
            finally:
                await runtime.engine.dispose()

        asyncio.run(_migrate())
        return
    import uvicorn

    try:
        app = app_factory(settings)
    except (MissingGatewaySecret, BadProcessSetting) as exc:  # a configuration error: say what to set, no traceback
        raise SystemExit(str(exc)) from None
    uvicorn.run(app, host=args.host or settings.host, port=args.port or settings.port,
                log_config=None, access_log=False)
