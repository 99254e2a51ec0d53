"""A child's profile shows the child's subscriptions and the family's: read together, each list stays its own."""

from __future__ import annotations

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
