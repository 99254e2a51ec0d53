"""Running query plans against subgraphs and shaping the response the way the GraphQL spec says."""

from gateway.execution.executor import ExecutionOutcome, execute_plan
from gateway.execution.shaping import shape_response
from gateway.execution.subgraph_client import SubgraphClient, SubgraphUnavailable

__all__ = ["ExecutionOutcome", "SubgraphClient", "SubgraphUnavailable", "execute_plan", "shape_response"]
