"""The gateway's spans: one per subgraph call, beside the kit's span per request (``kabinet.tracing``).

Kept out of ``execution.subgraph_client``: tracing off, the plain client is used and nothing here runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry.trace import SpanKind, Status, StatusCode

from gateway.execution.subgraph_client import SubgraphClient, SubgraphUnavailable
from kabinet import tracing


class TracedSubgraphClient(SubgraphClient):
    """A ``subgraph <name>`` client span around each call, its ``traceparent`` sent to the subgraph."""

    async def request(
        self,
        subgraph: str,
        query: str,
        variables: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        with tracing.span(f"subgraph {subgraph}", kind=SpanKind.CLIENT,
                          attributes={"kabinet.subgraph": subgraph, "graphql.document": query[:2000]}) as current:
            outgoing = dict(headers or {})
            tracing.inject(outgoing)
            try:
                payload = await super().request(subgraph, query, variables, outgoing)
            except SubgraphUnavailable as exc:
                current.set_status(Status(StatusCode.ERROR, exc.reason))
                raise
            if payload.get("errors"):
                current.set_attribute("kabinet.graphql.errors", len(payload["errors"]))
            return payload


def subgraph_client_class() -> type[SubgraphClient]:
    """The traced client when tracing is on, else the plain one (no cost on the hot path)."""
    return TracedSubgraphClient if tracing.enabled() else SubgraphClient
