"""Check-then-write races on billing's write paths, on real PostgreSQL: requests sent at once (different idempotency
keys, so the keys do not order them) that each read, pass the check and write. Each round is a fresh race; one
wrong outcome in any round fails the test. The same requests for different families all go through (the turns and
row locks taken hold only the family or the subscription concerned, and never wait on each other in a cycle)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import func, select

from billing.adapters.tables import subscriptions

from .conftest import Family, Harness

ROUNDS = 5

TRIAL_PLAN = """mutation { createSubscriptionPlan(input: {name: "Trial", lessons: 1, validityDays: 14, price: "0",
  lessonTypes: ["group"], trial: true}) { subscriptionPlan { id } } }"""
SELL = """mutation($p: ID!, $s: ID!, $k: String) { sellSubscription(input: {planId: $p, studentId: $s,
  idempotencyKey: $k}) { subscription { id } errors { code } } }"""


def _outcome(res: dict[str, Any], name: str) -> str:
    assert "errors" not in res, res
    errors = res["data"][name]["errors"]
    return str(errors[0]["code"]) if errors else "ok"


async def _trials_of(billing: Harness, family_id: str) -> int:
    async with billing.runtime.sessionmaker() as s:
        return int((await s.execute(select(func.count()).where(
            subscriptions.c.family_id == family_id, subscriptions.c.trial.is_(True)))).scalar_one())


async def _sell_trials(billing: Harness, plan: str, fam: Family) -> list[str]:
    """The family's free trial sold to each of its children at once, by two admins (keys of their own)."""
    results = await asyncio.gather(*(billing.gql(billing.admin(fam.branch_id), SELL, {
        "p": plan, "s": sid, "k": f"trial-{uuid.uuid4()}"}) for sid in fam.student_ids))
    return [_outcome(r, "sellSubscription") for r in results]


async def test_a_familys_free_trial_sold_twice_at_once_is_sold_once(billing: Harness) -> None:
    plan = (await billing.ok(billing.owner(), TRIAL_PLAN))["createSubscriptionPlan"]["subscriptionPlan"]["id"]
    for _ in range(ROUNDS):
        fam = await billing.family(children=2)
        got = await _sell_trials(billing, plan, fam)
        assert sorted(got) == ["TRIAL_ALREADY_USED", "ok"], got
        assert await _trials_of(billing, fam.id) == 1  # one free trial per family, however it is asked for


async def test_free_trials_of_different_families_at_once_all_go_through(billing: Harness) -> None:
    plan = (await billing.ok(billing.owner(), TRIAL_PLAN))["createSubscriptionPlan"]["subscriptionPlan"]["id"]
    for _ in range(ROUNDS):
        families = [await billing.family() for _ in range(4)]
        got = await asyncio.gather(*(_sell_trials(billing, plan, fam) for fam in families))
        assert got == [["ok"]] * len(families)
        for fam in families:
            assert await _trials_of(billing, fam.id) == 1
