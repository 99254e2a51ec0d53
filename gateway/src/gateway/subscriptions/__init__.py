"""Subscriptions over graphql-ws, fed from the event bus: the gateway's own subgraph (`gateway`)."""

from gateway.subscriptions.schema import GATEWAY_SUBGRAPH, subscription_schema, subscription_sdl

__all__ = ["GATEWAY_SUBGRAPH", "subscription_schema", "subscription_sdl"]
