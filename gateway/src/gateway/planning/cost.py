"""The cost the planner minimises when it has alternatives: fewest fetches, then fewest sequential steps."""

from __future__ import annotations

from gateway.planning.plan import FetchNode

Cost = tuple[int, int]
UNPLANNABLE: Cost = (1 << 30, 1 << 30)


def fetch_cost(node: FetchNode) -> Cost:
    """(fetches, sequential steps) of the fetch tree under `node`, `node` included."""
    fetches = 0
    depth = 0
    stack = [(node, 1)]
    while stack:
        current, level = stack.pop()
        fetches += 1
        depth = max(depth, level)
        stack.extend((child, level + 1) for child in current.children)
    return fetches, depth
