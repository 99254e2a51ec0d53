"""Supergraph composition: subgraph SDL in, a supergraph model and the client-facing API schema out."""

from gateway.composition.compose import compose
from gateway.composition.errors import CompositionError, CompositionIssue
from gateway.composition.subgraph_schema import SubgraphSchema, parse_subgraph_sdl
from gateway.composition.supergraph import Supergraph, SupergraphField, SupergraphType

__all__ = [
    "CompositionError",
    "CompositionIssue",
    "SubgraphSchema",
    "Supergraph",
    "SupergraphField",
    "SupergraphType",
    "compose",
    "parse_subgraph_sdl",
]
