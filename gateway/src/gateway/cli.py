"""`kabinet-gateway serve` (run the gateway with uvicorn) and `kabinet-gateway compose` (print the schema)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from gateway.composition.errors import CompositionError
from gateway.composition.sources import IntrospectAndCompose, SubgraphSdlUnavailable
from gateway.config import GatewaySettings


def _serve(settings: GatewaySettings) -> int:
    import uvicorn

    from gateway.app import create_gateway_app

    uvicorn.run(create_gateway_app(settings), host=settings.host, port=settings.port)
    return 0


def _compose(settings: GatewaySettings, out: Path | None, form: str) -> int:
    source = IntrospectAndCompose(
        settings.subgraphs,
        request_timeout_s=settings.subgraph_timeout_s,
        overall_timeout_s=settings.compose_timeout_s,
    )
    try:
        supergraph = asyncio.run(source.load())
    except (CompositionError, SubgraphSdlUnavailable) as exc:
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
    compose = commands.add_parser("compose", help="compose the subgraphs and print the schema")
    compose.add_argument("--out", type=Path, default=None, help="write to this file instead of stdout")
    compose.add_argument(
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
