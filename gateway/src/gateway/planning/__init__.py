"""Query planning: turn a client operation into subgraph fetches (root fetches and batched `_entities` fetches)."""

from gateway.planning.cache import LRUCache
from gateway.planning.paths import PlanningError
from gateway.planning.plan import FetchGroup, FetchNode, QueryPlan
from gateway.planning.planner import QueryPlanner

__all__ = ["FetchGroup", "FetchNode", "LRUCache", "PlanningError", "QueryPlan", "QueryPlanner"]
