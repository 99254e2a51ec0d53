"""`kabinet-gateway serve` (run the gateway with uvicorn) and `kabinet-gateway compose` (print the schema)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from gateway.composition.compose import compose
from gateway.composition.errors import CompositionError
from gateway.composition.sources import IntrospectAndCompose, SubgraphSdlUnavailable
from gateway.composition.supergraph import Supergraph
from gateway.config import GatewaySettings


def _serve(settings: GatewaySettings) -> int:
    import uvicorn

    from gateway.app import create_gateway_app
    from kabinet.process import BadProcessSetting, collector_thresholds
    from kabinet.settings import MessagingSettings
    from kabinet.tracing import configure_tracing
    from kabinet.web.gateway_only import MissingGatewaySecret, require_secret

    try:
        # Kabinet's services answer only the gateway: without the shared secret nothing would work.
        require_secret(settings.subgraph_secret, "kabinet-gateway")
    except MissingGatewaySecret as exc:
        print(str(exc), file=sys.stderr)
        return 2
    configure_tracing("gateway")
    # AMQP_URL set: subscriptions are fed from RabbitMQ.
    # The process is only the gateway: what start-up built (the composed schema) is frozen out of the collector's
    # sight and it collects at the kit's thresholds, as the services do.
    try:
        thresholds = collector_thresholds()
    except BadProcessSetting as exc:
        print(str(exc), file=sys.stderr)
        return 2
    app = create_gateway_app(settings, messaging=MessagingSettings(), settle=thresholds)
    from gateway.http_server import CoalescingHttpToolsProtocol

    # uvloop when installed (uvicorn's "auto"), httptools with each response written in one call (see
    # http_server); no access log on the hot path (see /metrics). A WebSocket message is held to the HTTP body
    # limit before it is buffered whole (uvicorn closes with 1009, as the gateway's own check does).
    uvicorn.run(app, host=settings.host, port=settings.port, access_log=False, http=CoalescingHttpToolsProtocol,
                ws_max_size=settings.ws_max_size)
    return 0


KABINET_SERVICES = ("identity", "scheduling", "billing", "learning")


def service_sdls(names: tuple[str, ...] = KABINET_SERVICES) -> dict[str, str]:
    """The SDL of each Kabinet service's subgraph, read in-process from `<service>.schema.schema.schema`
    (services without a schema module yet are left out)."""
    import importlib

    sdls: dict[str, str] = {}
    for name in names:
        try:
            module = importlib.import_module(f"{name}.schema.schema")
        except ModuleNotFoundError as exc:
            if exc.name in (f"{name}.schema.schema", f"{name}.schema", name):
                continue
            raise
        schema = getattr(module, "schema", None)
        if schema is not None:
            sdls[name] = schema.as_str()
    return sdls


def _gateway_sdl(form: str) -> dict[str, str]:
    """The API form is the clients' view, so it has the gateway's own subgraph (subscriptions); the supergraph form
    has the services only (a gateway reading it as GATEWAY_SUPERGRAPH_FILE adds its own subgraph itself)."""
    from gateway.subscriptions.schema import GATEWAY_SUBGRAPH, subscription_sdl

    return {GATEWAY_SUBGRAPH: subscription_sdl()} if form == "api" else {}


def _in_process(local: dict[str, str]) -> Supergraph:
    """The services' schemas composed in-process (URLs as docker-compose names them)."""
    sdls = {**service_sdls(), **local}
    return compose(sdls, {name: f"http://{name}:8000/graphql" for name in sdls})


def api_schema_sdl() -> str:
    """The API schema clients see (what `compose --form api` writes, and web/schema.graphql holds)."""
    return _in_process(_gateway_sdl("api")).api_sdl() + "\n"


def _compose(settings: GatewaySettings, out: Path | None, form: str) -> int:
    from gateway.app import secret_headers
    from kabinet.web.gateway_only import MissingGatewaySecret

    local = _gateway_sdl(form)
    try:
        if settings.subgraphs:
            source = IntrospectAndCompose(
                settings.subgraphs,
                request_timeout_s=settings.subgraph_timeout_s,
                overall_timeout_s=settings.compose_timeout_s,
                local_sdls=local,
                headers=secret_headers(settings),
            )
            supergraph = asyncio.run(source.load())
        else:
            supergraph = _in_process(local)  # no GATEWAY_SUBGRAPHS
    except (CompositionError, SubgraphSdlUnavailable, MissingGatewaySecret) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if form == "supergraph":
        from gateway.composition.supergraph_sdl import print_supergraph_sdl

        text = print_supergraph_sdl(supergraph)
    else:
        text = supergraph.api_sdl()
    if out is None:
        sys.stdout.write(text + "\n")
    else:
        out.write_text(text + "\n", encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kabinet-gateway", description="Kabinet's federation gateway")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve /graphql (subgraphs from GATEWAY_SUBGRAPHS)")
    compose_cmd = commands.add_parser(
        "compose", help="compose the subgraphs (GATEWAY_SUBGRAPHS, else the services in-process) and print the schema"
    )
    compose_cmd.add_argument("--out", type=Path, default=None, help="write to this file instead of stdout")
    compose_cmd.add_argument(
        "--form",
        choices=["supergraph", "api"],
        default="supergraph",
        help="the @join__ supergraph SDL (default) or the client-facing API schema",
    )
    args = parser.parse_args(argv)
    settings = GatewaySettings()
    if args.command == "serve":
        return _serve(settings)
    return _compose(settings, args.out, args.form)


if __name__ == "__main__":
    raise SystemExit(main())
