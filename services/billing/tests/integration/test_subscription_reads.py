"""A child's profile shows the child's subscriptions and the family's: read together, each list stays its own."""

from __future__ import annotations

from sqlalchemy import event

from .conftest import Harness

PLAN = """mutation($i: CreateSubscriptionPlanInput!) { createSubscriptionPlan(input: $i) {
  subscriptionPlan { id } errors { code } } }"""
SELL = """mutation($i: SellSubscriptionInput!) { sellSubscription(input: $i) { subscription { id }
  errors { code } } }"""
PROFILES = """query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Family { remainingLessons subscriptions { id } }
  ... on Student { remainingLessons familyRemainingLessons subscriptions { id } } } }"""


async def test_students_and_familys_subscriptions_in_one_request(billing: Harness) -> None:
    fam = await billing.family(children=2)
    other = await billing.family(branch=fam.branch_id)
    admin = billing.admin(fam.branch_id)
    sold: dict[str, str] = {}
    for lessons, student in ((4, fam.student_ids[0]), (8, fam.student_ids[1]), (16, other.student_ids[0])):
        plan = (await billing.ok(admin, PLAN, {"i": {"name": str(lessons), "lessons": lessons, "validityDays": 30,
                                                     "price": "0", "lessonTypes": ["group"],
                                                     "branchId": fam.branch_id}})
                )["createSubscriptionPlan"]["subscriptionPlan"]["id"]
        sold[student] = (await billing.ok(admin, SELL, {"i": {"planId": plan, "studentId": student}})
                         )["sellSubscription"]["subscription"]["id"]
    first, second = fam.student_ids
    got = (await billing.ok(billing.guardian(fam), PROFILES, {"r": [
        {"__typename": "Family", "id": fam.id},
        {"__typename": "Student", "id": first, "familyId": fam.id, "branchId": fam.branch_id},
        {"__typename": "Student", "id": second, "familyId": fam.id, "branchId": fam.branch_id},
    ]}))["_entities"]
    assert got[0]["remainingLessons"] == 12
    assert {s["id"] for s in got[0]["subscriptions"]} == {sold[first], sold[second]}
    assert [s["id"] for s in got[1]["subscriptions"]] == [sold[first]]
    assert [s["id"] for s in got[2]["subscriptions"]] == [sold[second]]
    assert (got[1]["remainingLessons"], got[2]["remainingLessons"]) == (4, 8)
    assert got[1]["familyRemainingLessons"] == got[2]["familyRemainingLessons"] == 12
    # Another family's child named next to them is still refused.
    refused = await billing.gql(billing.guardian(fam), PROFILES, {"r": [
        {"__typename": "Student", "id": other.student_ids[0], "familyId": other.id, "branchId": other.branch_id}]})
    assert refused.get("errors") and "16" not in str(refused.get("data"))


HOME = """query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Student { familyBalance { amount } familyRemainingLessons remainingLessons } } }"""


def _selects(billing: Harness) -> list[str]:
    """The SELECTs sent from now on, but the outbox relay's (it polls on its own)."""
    sent: list[str] = []

    def seen(_c: object, _cur: object, sql: str, *_: object) -> None:
        if sql.lstrip().upper().startswith("SELECT") and "outbox" not in sql:
            sent.append(sql)

    event.listen(billing.runtime.engine.sync_engine, "before_cursor_execute", seen)
    return sent


async def test_a_childs_home_is_one_statement(billing: Harness) -> None:
    """The child (the access check), the family's account and both kinds of subscriptions: one statement."""
    fam = await billing.family(children=1)
    await billing.pay(fam, "250.00")
    sent = _selects(billing)
    got = (await billing.ok(billing.guardian(fam), HOME, {"r": [
        {"__typename": "Student", "id": fam.student_ids[0], "familyId": fam.id, "branchId": fam.branch_id}]}
    ))["_entities"]
    assert got == [{"familyBalance": {"amount": "250.00"}, "familyRemainingLessons": 0, "remainingLessons": 0}]
    assert len(sent) == 1, sent


async def test_a_family_named_by_the_gateway_is_only_a_hint(billing: Harness) -> None:
    """The family in a Student's representation only queues reads: the fields show the family billing knows the
    child in, never the one named (another family's balance is never shown, nor their child's)."""
    fam, other = await billing.family(), await billing.family()
    await billing.pay(fam, "100.00")
    await billing.pay(other, "999.00")
    got = (await billing.ok(billing.guardian(fam), HOME, {"r": [
        {"__typename": "Student", "id": fam.student_ids[0], "familyId": other.id, "branchId": other.branch_id}]}
    ))["_entities"]
    assert got[0]["familyBalance"] == {"amount": "100.00"}
    refused = await billing.gql(billing.guardian(fam), HOME, {"r": [
        {"__typename": "Student", "id": other.student_ids[0], "familyId": fam.id, "branchId": fam.branch_id}]})
    assert refused.get("errors") and "999" not in str(refused.get("data"))
