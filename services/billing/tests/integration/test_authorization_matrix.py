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

from .conftest import Family, Harness

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
    "recordPayment": Case("mutation($f: ID!, $k: String, $b: ID, $i: ID) { recordPayment(input: {familyId: $f, "
                          "amount: \"1\", method: CASH, idempotencyKey: $k, branchId: $b, invoiceId: $i}) "
                          "{ errors { code } } }",
                          lambda c: {"f": c["family"], "k": k(), "b": c["branch"], "i": c["invoice"]}, MANAGE),
    "refundPayment": Case("mutation($p: ID!) { refundPayment(input: {paymentId: $p, amount: \"1\", reason: \"r\"}) "
                          "{ errors { code } } }", lambda c: {"p": c["payment"]}, MANAGE),
    "adjustBalance": Case("mutation($f: ID!, $b: ID) { adjustBalance(input: {familyId: $f, amount: \"5\", "
                          "reason: \"bonus\", branchId: $b}) { errors { code } } }",
                          lambda c: {"f": c["family"], "b": c["branch"]}, MANAGE),
    "chargeAccount": Case("mutation($f: ID!, $b: ID, $s: ID) { chargeAccount(input: {familyId: $f, amount: \"1\", "
                          "description: \"x\", branchId: $b, studentId: $s}) { errors { code } } }",
                          lambda c: {"f": c["family"], "b": c["branch"], "s": c["student"]}, MANAGE),
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
    "issueInvoice": Case("mutation($f: ID!, $b: ID, $s: ID) { issueInvoice(input: {familyId: $f, description: \"d\", "
                         "amount: \"5\", branchId: $b, subscriptionId: $s}) { errors { code } } }",
                         lambda c: {"f": c["family"], "b": c["branch"], "s": c["subscription"]}, MANAGE),
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


async def _data(billing: Harness, fam: Family) -> dict[str, str]:
    """The ids of one family's money: a payment, a plan of its branch, a subscription, an invoice."""
    owner, admin = billing.owner(), billing.admin(fam.branch_id)
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
    return ctx


async def test_authorization_matrix(billing: Harness) -> None:
    fam = await billing.family()
    other = await billing.family()
    owner = billing.owner()
    admin = billing.admin(fam.branch_id)
    ctx = await _data(billing, fam)
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


# -- every mutation × the callers who must be refused; every id argument swapped for another branch's ----------
def _mutations() -> list[str]:
    gql = schema._schema
    assert gql.mutation_type is not None
    return sorted(f for f in gql.mutation_type.fields if not f.startswith("_"))


class _Reads(dict[str, str]):
    """A dict that records which ids a case reads (to swap each one in turn)."""

    def __init__(self, own: dict[str, str], foreign: dict[str, str] | None = None, swap: str | None = None) -> None:
        super().__init__(own)
        self.foreign, self.swap, self.read = foreign or {}, swap, set[str]()

    def __getitem__(self, key: str) -> str:
        self.read.add(key)
        return self.foreign[key] if key == self.swap else super().__getitem__(key)


# Ids checked as belonging to the family the operation names (which is itself checked): "not found", not FORBIDDEN.
OF_THE_FAMILY = {("issueInvoice", "foreign subscription"): "SUBSCRIPTION_NOT_FOUND",
                 ("recordPayment", "foreign invoice"): "INVOICE_NOT_FOUND"}


async def _refused_without_change(billing: Harness, token: str, name: str, variables: dict[str, Any],
                                  problems: list[str], who: str) -> None:
    from billing.adapters.tables import metadata
    from kabinet.testing.snapshot import changes, snapshot

    before = await snapshot(billing.runtime.sessionmaker, metadata)
    res = await billing.gql(token, CASES[name].query, variables)
    after = await snapshot(billing.runtime.sessionmaker, metadata)
    codes = {e.get("extensions", {}).get("code") for e in res.get("errors", [])}
    codes |= {e["code"] for e in ((res.get("data") or {}).get(name) or {}).get("errors", [])}
    if OF_THE_FAMILY.get((name, who), "FORBIDDEN") not in codes:
        problems.append(f"{name}: {who}: want FORBIDDEN, got {res}")
    if diff := changes(before, after):
        problems.append(f"{name}: {who}: the database changed: {diff}")


async def test_every_mutation_refuses_callers_outside_its_scope(billing: Harness) -> None:
    """Generated from the schema (a new mutation without a CASES row fails ``test_every_root_field_has_a_rule``):
    an admin of another branch, a teacher, a guardian of another family and a student change nothing."""
    fam, other = await billing.family(), await billing.family()
    ctx = await _data(billing, fam)
    outsiders = {
        "admin of another branch": billing.admin(other.branch_id),
        "teacher": billing.token(Role.TEACHER, branch=fam.branch_id),
        "guardian of another family": billing.guardian(other),
        "student": billing.token(Role.STUDENT, family_id=fam.id, students=(fam.student_ids[0],)),
    }
    problems: list[str] = []
    for name in _mutations():
        case = CASES[name]
        for who, token in outsiders.items():
            if who == "student" and "child" in case.allowed:
                continue  # the family's own child may pay its family's bill online
            if who == "admin of another branch" and name == "createSubscriptionPlan":
                continue  # a school-wide plan (no branch) is not asked for here; a branch's plan is
            await _refused_without_change(billing, token, name, case.variables(ctx), problems, who)
    assert problems == []


async def test_every_id_argument_is_checked_against_the_callers_branch(billing: Harness) -> None:
    """The family's admin, with the family's ids in every argument but one, which names another branch's data
    (a branch to book the money to, a student, a plan, an invoice...): refused, and nothing changes."""
    fam, other = await billing.family(), await billing.family()
    own, foreign = await _data(billing, fam), await _data(billing, other)
    admin = billing.admin(fam.branch_id)
    problems: list[str] = []
    for name in _mutations():
        case = CASES[name]
        if not case.allowed & {"admin"}:
            continue
        probe = _Reads(own)
        case.variables(probe)
        for key in sorted(probe.read):
            await _refused_without_change(billing, admin, name, case.variables(_Reads(own, foreign, key)),
                                          problems, f"foreign {key}")
    assert problems == []
