"""Every root field of billing's schema has an access rule; a field without one fails this test.

Roles: anonymous, the family's guardian and child, another family's guardian, a teacher, the family's branch
admin, another branch's admin, the owner. "Allowed" means no UNAUTHENTICATED/FORBIDDEN error.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from billing.schema.schema import schema
from kabinet.auth import Role

from .conftest import Harness

ROLES = ("anonymous", "guardian", "child", "other_guardian", "teacher", "admin", "other_admin", "owner")
FAMILY_READ = {"guardian", "child", "admin", "owner"}
MANAGE = {"admin", "owner"}
SIGNED_IN = set(ROLES) - {"anonymous"}


@dataclass
class Case:
    query: str
    variables: Callable[[dict[str, str]], dict[str, Any]]
    allowed: set[str]


def k() -> str:
    return str(uuid.uuid4())


CASES: dict[str, Case] = {
    # -- queries
    "myAccount": Case("{ myAccount { balance { amount } } }", lambda c: {}, {"guardian", "child", "other_guardian"}),
    "familyAccount": Case("query($f: ID!) { familyAccount(familyId: $f) { balance { amount } } }",
                          lambda c: {"f": c["family"]}, FAMILY_READ),
    "familyStatement": Case("query($f: ID!) { familyStatement(familyId: $f) { edges { node { amount { amount } } } } }",
                            lambda c: {"f": c["family"]}, FAMILY_READ),
    "familyPayments": Case("query($f: ID!) { familyPayments(familyId: $f) { id } }",
                           lambda c: {"f": c["family"]}, FAMILY_READ),
    "familyInvoices": Case("query($f: ID!) { familyInvoices(familyId: $f) { id } }",
                           lambda c: {"f": c["family"]}, FAMILY_READ),
    "studentSubscriptions": Case("query($s: ID!) { studentSubscriptions(studentId: $s) { id } }",
                                 lambda c: {"s": c["student"]}, FAMILY_READ),
    "subscriptionPlans": Case("query($b: ID) { subscriptionPlans(branchId: $b) { id } }",
                              lambda c: {"b": c["branch"]}, SIGNED_IN),
    "branchDiscounts": Case("query($b: ID!) { branchDiscounts(branchId: $b) { id } }",
                            lambda c: {"b": c["branch"]}, MANAGE),
    "debtors": Case("query($b: ID!) { debtors(branchId: $b) { familyId } }", lambda c: {"b": c["branch"]}, MANAGE),
    "branchBillingReport": Case(
        "query($b: ID!) { branchBillingReport(branchId: $b, since: \"2026-01-01T00:00:00Z\", "
        "until: \"2027-01-01T00:00:00Z\") { revenue { amount } } }", lambda c: {"b": c["branch"]}, MANAGE),
    "branchBillingSettings": Case("query($b: ID!) { branchBillingSettings(branchId: $b) { chargeOn } }",
                                  lambda c: {"b": c["branch"]}, MANAGE),
    "_entities": Case("query($f: ID!) { _entities(representations: [{__typename: \"Family\", id: $f}]) "
                      "{ ... on Family { account { balance { amount } } } } }", lambda c: {"f": c["family"]},
                      FAMILY_READ),
    "_service": Case("{ _service { sdl } }", lambda c: {}, set(ROLES)),
    # -- mutations
    "recordPayment": Case("mutation($f: ID!, $k: String) { recordPayment(input: {familyId: $f, amount: \"10\", "
                          "method: CASH, idempotencyKey: $k}) { errors { code } } }",
                          lambda c: {"f": c["family"], "k": k()}, MANAGE),
    "refundPayment": Case("mutation($p: ID!) { refundPayment(input: {paymentId: $p, amount: \"1\", reason: \"r\"}) "
                          "{ errors { code } } }", lambda c: {"p": c["payment"]}, MANAGE),
    "adjustBalance": Case("mutation($f: ID!) { adjustBalance(input: {familyId: $f, amount: \"5\", reason: \"bonus\"}) "
                          "{ errors { code } } }", lambda c: {"f": c["family"]}, MANAGE),
    "chargeAccount": Case("mutation($f: ID!) { chargeAccount(input: {familyId: $f, amount: \"1\", description: \"x\"})"
                          " { errors { code } } }", lambda c: {"f": c["family"]}, MANAGE),
    "setCreditLimit": Case("mutation($f: ID!) { setCreditLimit(familyId: $f, limit: \"0\") { errors { code } } }",
                           lambda c: {"f": c["family"]}, MANAGE),
    "createSubscriptionPlan": Case(
        "mutation($b: ID) { createSubscriptionPlan(input: {name: \"P\", lessons: 2, validityDays: 10, price: \"1\", "
        "lessonTypes: [\"group\"], branchId: $b}) { errors { code } } }", lambda c: {"b": c["branch"]}, MANAGE),
    "sellSubscription": Case("mutation($p: ID!, $s: ID!) { sellSubscription(input: {planId: $p, studentId: $s, "
                             "onCredit: true}) { errors { code } } }",
                             lambda c: {"p": c["plan"], "s": c["student"]}, MANAGE),
    "freezeSubscription": Case("mutation($s: ID!) { freezeSubscription(subscriptionId: $s) { errors { code } } }",
                               lambda c: {"s": c["subscription"]}, MANAGE),
    "unfreezeSubscription": Case("mutation($s: ID!) { unfreezeSubscription(subscriptionId: $s) { errors { code } } }",
                                 lambda c: {"s": c["subscription"]}, MANAGE),
    "closeSubscription": Case("mutation($s: ID!) { closeSubscription(subscriptionId: $s) { errors { code } } }",
                              lambda c: {"s": c["subscription"]}, MANAGE),
    "runSubscriptionExpiry": Case("mutation { runSubscriptionExpiry(asOf: \"2020-01-01\") { expired } }",
                                  lambda c: {}, {"owner"}),
    "createDiscount": Case("mutation($b: ID) { createDiscount(input: {name: \"D\", scope: FAMILY, target: \"x\", "
                           "kind: PERCENT, value: \"5\", branchId: $b}) { errors { code } } }",
                           lambda c: {"b": c["branch"]}, MANAGE),
    "issueInvoice": Case("mutation($f: ID!) { issueInvoice(input: {familyId: $f, description: \"d\", amount: \"5\"}) "
                         "{ errors { code } } }", lambda c: {"f": c["family"]}, MANAGE),
    "cancelInvoice": Case("mutation($i: ID!) { cancelInvoice(invoiceId: $i) { errors { code } } }",
                          lambda c: {"i": c["invoice"]}, MANAGE),
    "startOnlinePayment": Case("mutation($f: ID!) { startOnlinePayment(input: {familyId: $f, amount: \"5\"}) "
                               "{ errors { code } } }", lambda c: {"f": c["family"]}, FAMILY_READ),
    "setBranchBillingSettings": Case("mutation($b: ID!) { setBranchBillingSettings(input: {branchId: $b}) "
                                     "{ errors { code } } }", lambda c: {"b": c["branch"]}, MANAGE),
}


def test_every_root_field_has_a_rule() -> None:
    gql = schema._schema
    fields = set(gql.query_type.fields) | set(gql.mutation_type.fields if gql.mutation_type else {})
    assert fields == set(CASES), f"fields without a rule: {fields - set(CASES)}; stale rules: {set(CASES) - fields}"


async def test_authorization_matrix(billing: Harness) -> None:
    fam = await billing.family()
    other = await billing.family()
    owner = billing.owner()
    admin = billing.admin(fam.branch_id)
    ctx: dict[str, str] = {"family": fam.id, "student": fam.student_ids[0], "branch": fam.branch_id}
    paid = await billing.pay(fam, "100.00")
    ctx["payment"] = paid["recordPayment"]["payment"]["id"]
    plan = await billing.ok(owner, "mutation($b: ID) { createSubscriptionPlan(input: {name: \"M\", lessons: 4, "
                            "validityDays: 30, price: \"40\", lessonTypes: [\"group\"], branchId: $b}) "
                            "{ subscriptionPlan { id } } }", {"b": fam.branch_id})
    ctx["plan"] = plan["createSubscriptionPlan"]["subscriptionPlan"]["id"]
    sold = await billing.ok(admin, "mutation($p: ID!, $s: ID!) { sellSubscription(input: {planId: $p, studentId: $s})"
                            " { subscription { id } } }", {"p": ctx["plan"], "s": ctx["student"]})
    ctx["subscription"] = sold["sellSubscription"]["subscription"]["id"]
    inv = await billing.ok(admin, "mutation($f: ID!) { issueInvoice(input: {familyId: $f, description: \"d\", "
                           "amount: \"5\"}) { invoice { id } } }", {"f": fam.id})
    ctx["invoice"] = inv["issueInvoice"]["invoice"]["id"]
    await billing.pay(other, "777.77")

    tokens: dict[str, str | None] = {
        "anonymous": None,
        "guardian": billing.guardian(fam),
        "child": billing.token(Role.STUDENT, family_id=fam.id, students=(fam.student_ids[0],)),
        "other_guardian": billing.guardian(other),
        "teacher": billing.token(Role.TEACHER, branch=fam.branch_id),
        "admin": admin,
        "other_admin": billing.admin(other.branch_id),
        "owner": owner,
    }
    problems = []
    for name, case in CASES.items():
        for role in ROLES:
            res = await billing.gql(tokens[role], case.query, case.variables(ctx))
            codes = {e.get("extensions", {}).get("code") for e in res.get("errors", [])}
            assert "INTERNAL_SERVER_ERROR" not in codes, (name, role, res)
            denied = bool(codes & {"UNAUTHENTICATED", "FORBIDDEN"})
            if denied == (role in case.allowed):
                problems.append((name, role, "denied" if denied else "allowed", res))
            if role == "anonymous" and name != "_service":
                assert "UNAUTHENTICATED" in codes, (name, res)
            if role == "other_guardian":
                assert "777.77" not in str(res) or name == "myAccount", (name, res)
                assert "100.00" not in str(res), (name, res)  # never another family's money
    assert not problems, problems
