"""The planner's choices by cost (fewest fetches, then fewest sequential steps), on the federation corpus's
supergraphs: the answers are checked against Apollo in test_federation_cases.py, the plans' shapes here."""

from __future__ import annotations

import pytest
from graphql import OperationDefinitionNode, parse

from gateway.composition.compose import compose
from gateway.planning.cost import fetch_cost
from gateway.planning.planner import QueryPlanner

from .federation_cases import CASES


def plan_shape(case: str, query: str) -> list[list[tuple[str, str]]]:
    c = next(c for c in CASES if c.name == case)
    planner = QueryPlanner(compose({name: s.sdl for name, s in c.subgraphs.items()}))
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    plan = planner.plan(document, operation)
    return [[(n.subgraph, n.kind) for group in step for n in group.nodes] for phase in plan.phases for step in phase]


@pytest.mark.parametrize(
    ("case", "query", "expected"),
    [
        # `team` is shared: league answers all of it in one fetch; teams would need a second.
        ("path-search", '{ team(id: "t1") { rank stats { losses } } }', [[("league", "root")]]),
        ("path-search", '{ team(id: "t1") { name } }', [[("teams", "root")]]),
        # A keyless value only partly in teams: the whole `stats` comes with its parent entity from league.
        ("path-search", "{ teams { stats { wins losses } } }", [[("teams", "root")], [("league", "entity")]]),
        # A keyless shared root field split in two parallel fetches.
        ("path-search", "{ config { theme locale } }", [[("teams", "root"), ("league", "root")]]),
        # A chained requirement: people -> names (fullName) -> badges (badge), one step each.
        (
            "requires-variants",
            "{ people { badge } }",
            [[("people", "root")], [("names", "entity")], [("badges", "entity")]],
        ),
        # The provided field costs no fetch.
        ("provides-saves-a-hop", "{ posts { author { name } } }", [[("posts", "root")]]),
    ],
)
def test_plans_take_the_cheapest_path(case: str, query: str, expected: list[list[tuple[str, str]]]) -> None:
    assert plan_shape(case, query) == expected


def test_fetch_cost_counts_fetches_then_steps() -> None:
    from gateway.planning.plan import FetchNode

    root = FetchNode(id=0, subgraph="a", kind="root")
    child = FetchNode(id=1, subgraph="b", kind="entity")
    root.children = [child, FetchNode(id=2, subgraph="c", kind="entity")]
    child.children = [FetchNode(id=3, subgraph="d", kind="entity")]
    assert fetch_cost(root) == (4, 3)


def test_a_circular_requirement_is_a_planning_error_not_a_wrong_answer() -> None:
    from gateway.planning.planner import PlanningError

    from .federation_cases import LINK

    a = (
        LINK
        + """
        type T @key(fields: "id") { id: ID! x: Boolean @external y: Boolean @requires(fields: "x") }
        type Query { ts: [T] }
    """
    )
    b = (
        LINK
        + """
        type T @key(fields: "id") { id: ID! y: Boolean @external x: Boolean @requires(fields: "y") }
    """
    )
    planner = QueryPlanner(compose({"a": a, "b": b}))
    document = parse("{ ts { y } }")
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    with pytest.raises(PlanningError, match="circular"):
        planner.plan(document, operation)
