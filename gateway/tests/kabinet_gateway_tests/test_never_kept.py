"""A field its subgraph declares never kept (`@cacheControl(maxAge: 0)`, Apollo's cache hint, in the subgraph's SDL)
is never stored by the entity cache: the gateway learns it at composition and names no field itself. A test
subgraph's SDL, the composer, the planner and the executor with an in-process cache."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import OperationDefinitionNode, parse

from gateway.cache import EntityCache, MemoryBackend, scope_for
from gateway.composition.compose import compose
from gateway.execution.executor import RequestCache, execute_plan
from gateway.planning.planner import QueryPlanner
from kabinet.auth import Principal, Role

MAIL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
directive @cacheControl(maxAge: Int!) on FIELD_DEFINITION

type Query {
  inbox: Inbox! @cacheControl(maxAge: 0)
  profile: Profile!
  outbox: Inbox! @cacheControl(maxAge: 60)
}
type Inbox { unread: Int! }
type Profile { name: String! }
"""
READER = Principal(user_id="reader-1", role=Role.GUARDIAN, family_id="f-1")


class CountingSubgraph:
    """Answers every root fetch, counting them: a kept answer is not fetched again."""

    def __init__(self) -> None:
        self.fetches = 0

    async def request(self, subgraph: str, query: str, variables: Mapping[str, Any],
                      headers: Mapping[str, str]) -> dict[str, Any]:
        self.fetches += 1
        data: dict[str, Any] = {}
        if "inbox" in query:
            data["inbox"] = {"unread": self.fetches}
        if "outbox" in query:
            data["outbox"] = {"unread": self.fetches}
        if "profile" in query:
            data["profile"] = {"name": "Nina"}
        return {"data": data}


async def _read_twice(query: str) -> tuple[int, list[dict[str, Any]]]:
    planner = QueryPlanner(compose({"mail": MAIL}, {"mail": "http://mail.test/graphql"}))
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    plan = planner.plan(document, operation)
    cache = EntityCache(MemoryBackend(), max_age_s=30)
    subgraph = CountingSubgraph()
    answers = []
    for _ in range(2):
        got = await execute_plan(plan, subgraph, {}, cache=RequestCache(cache, scope_for(READER), cache.begin()))  # type: ignore[arg-type]
        answers.append(got.data)
    return subgraph.fetches, answers


async def test_a_field_its_subgraph_declares_never_kept_is_fetched_every_time() -> None:
    fetches, answers = await _read_twice("{ inbox { unread } }")
    assert fetches == 2 and [a["inbox"]["unread"] for a in answers] == [1, 2]
    # Asked together with a field that may be kept: the fetch holding it is not kept either.
    fetches, _ = await _read_twice("{ profile { name } box: inbox { unread } }")
    assert fetches == 2


async def test_the_other_fields_of_the_subgraph_are_kept() -> None:
    for query in ("{ profile { name } }", "{ outbox { unread } }"):  # a max age other than 0 is not a refusal
        fetches, answers = await _read_twice(query)
        assert fetches == 1 and answers[0] == answers[1], query
