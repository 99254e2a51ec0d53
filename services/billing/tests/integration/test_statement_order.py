"""A family's statement read newest first (``order: NEWEST_FIRST``): the money screen's first page is the latest
lines, "show older" pages back with ``after``; oldest first stays the default."""

from __future__ import annotations

from typing import Any

from .conftest import Family, Harness

PAGE = """query($f: ID!, $n: Int!, $a: String, $o: StatementOrder!) {
  familyStatement(familyId: $f, first: $n, after: $a, order: $o) {
    edges { cursor node { amount { amount } } } pageInfo { hasNextPage endCursor } } }"""
ENTITY = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Family {
  statement(first: 2, order: NEWEST_FIRST) { edges { node { amount { amount } } } pageInfo { hasNextPage } } } } }"""


async def _page(billing: Harness, fam: Family, n: int, after: str | None, order: str) -> dict[str, Any]:
    data = await billing.ok(billing.guardian(fam), PAGE, {"f": fam.id, "n": n, "a": after, "o": order})
    return dict(data["familyStatement"])


def _amounts(page: dict[str, Any]) -> list[str]:
    return [e["node"]["amount"]["amount"] for e in page["edges"]]


async def test_newest_first_pages_back_through_the_history(billing: Harness) -> None:
    fam = await billing.family()
    for amount in ("1.00", "2.00", "3.00", "4.00", "5.00"):
        await billing.pay(fam, amount)
    first = await _page(billing, fam, 2, None, "NEWEST_FIRST")
    assert _amounts(first) == ["5.00", "4.00"] and first["pageInfo"]["hasNextPage"] is True
    second = await _page(billing, fam, 2, first["pageInfo"]["endCursor"], "NEWEST_FIRST")
    assert _amounts(second) == ["3.00", "2.00"] and second["pageInfo"]["hasNextPage"] is True
    last = await _page(billing, fam, 2, second["pageInfo"]["endCursor"], "NEWEST_FIRST")
    assert _amounts(last) == ["1.00"] and last["pageInfo"]["hasNextPage"] is False
    oldest = await _page(billing, fam, 2, None, "OLDEST_FIRST")
    assert _amounts(oldest) == ["1.00", "2.00"]


async def test_family_entity_statement_reads_newest_first_under_its_access(billing: Harness) -> None:
    fam, other = await billing.family(), await billing.family()
    for amount in ("1.00", "2.00", "3.00"):
        await billing.pay(fam, amount)
    rep = {"r": [{"__typename": "Family", "id": fam.id}]}
    got = await billing.ok(billing.guardian(fam), ENTITY, rep)
    assert got["_entities"][0]["statement"] == {
        "edges": [{"node": {"amount": {"amount": "3.00"}}}, {"node": {"amount": {"amount": "2.00"}}}],
        "pageInfo": {"hasNextPage": True}}
    refused = await billing.gql(billing.guardian(other), ENTITY, rep)
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["FORBIDDEN"]
