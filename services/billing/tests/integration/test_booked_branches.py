"""Money booked to branches, on the billing subgraph on PostgreSQL: a branch admin's money goes to their branch
when they name none, and an invoice, payment or subscription booked to another branch is that branch's to act
on (a family that studies in two branches has two admins, each with their own report). Also: an invoice's
idempotency content takes the amount as money."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from billing.adapters.tables import metadata
from kabinet.auth import Principal, Role
from kabinet.testing.snapshot import changes, snapshot
from kabinet.testing.stack import token_for

from .conftest import RECORD_PAYMENT, Family, Harness

INVOICE = """mutation($i: IssueInvoiceInput!) { issueInvoice(input: $i) { invoice { id status amount { amount } }
  errors { code field } } }"""
CANCEL_INVOICE = """mutation($i: ID!) { cancelInvoice(invoiceId: $i) { errors { code } } }"""
REFUND = """mutation($i: RefundPaymentInput!) { refundPayment(input: $i) { payment { id refunded { amount } }
  errors { code field } } }"""
ADJUST = """mutation($i: AdjustBalanceInput!) { adjustBalance(input: $i) { errors { code field } } }"""
CHARGE = """mutation($i: ChargeAccountInput!) { chargeAccount(input: $i) { errors { code field } } }"""
START_ONLINE = """mutation($i: StartOnlinePaymentInput!) { startOnlinePayment(input: $i) {
  checkout { providerPaymentId } errors { code field } } }"""
SELL = """mutation($p: ID!, $s: ID!) { sellSubscription(input: {planId: $p, studentId: $s, onCredit: true}) {
  subscription { id } errors { code } } }"""
PLAN = """mutation($b: ID) { createSubscriptionPlan(input: {name: "M", lessons: 4, validityDays: 30, price: "40",
  lessonTypes: ["group"], branchId: $b}) { subscriptionPlan { id } } }"""
REPORT = """query($b: ID!, $s: DateTime!, $u: DateTime!) { branchBillingReport(branchId: $b, since: $s, until: $u) {
  payments { amount } } }"""
INVOICES = """query($f: ID!) { familyInvoices(familyId: $f) { id status paid { amount } } }"""


async def two_branch_family(billing: Harness) -> tuple[Family, str]:
    """A family with a child in its branch (A) and another in branch B; B's id."""
    fam = await billing.family()
    other_branch = str(uuid.uuid4())
    sid = str(uuid.uuid4())
    await billing.deliver("identity.student.registered", {
        "student_id": sid, "family_id": fam.id, "first_name": "Second", "last_name": "Test",
        "birth_date": "2014-01-01", "branch_id": other_branch})
    fam.student_ids.append(sid)
    return fam, other_branch


def code_of(res: dict[str, Any], name: str) -> str | None:
    if res.get("errors"):
        return str(res["errors"][0]["extensions"]["code"])
    errors = res["data"][name]["errors"]
    return str(errors[0]["code"]) if errors else None


async def refused_and_unchanged(billing: Harness, token: str, query: str, variables: dict[str, Any], name: str,
                                code: str = "FORBIDDEN") -> None:
    before = await snapshot(billing.runtime.sessionmaker, metadata)
    res = await billing.gql(token, query, variables)
    assert code_of(res, name) == code, res
    assert changes(before, await snapshot(billing.runtime.sessionmaker, metadata)) == {}


async def report_payments(billing: Harness, token: str, branch: str, since: datetime) -> str:
    got = await billing.ok(token, REPORT, {"b": branch, "s": since.isoformat(),
                                           "u": (datetime.now(UTC) + timedelta(minutes=1)).isoformat()})
    return str(got["branchBillingReport"]["payments"]["amount"])


async def test_an_invoice_retried_with_the_amount_written_otherwise_is_the_same_request(billing: Harness) -> None:
    """"100" and "100.00" are one amount: the retry answers the invoice issued, not IDEMPOTENCY_KEY_REUSED."""
    fam = await billing.family()
    admin = billing.admin(fam.branch_id)
    request = {"familyId": fam.id, "description": "September", "idempotencyKey": f"inv-{uuid.uuid4()}"}
    first = await billing.ok(admin, INVOICE, {"i": {**request, "amount": "100"}})
    assert first["issueInvoice"]["errors"] == [], first
    for written in ("100.00", "100.0"):
        again = await billing.ok(admin, INVOICE, {"i": {**request, "amount": written}})
        assert again == first, (written, again)
    other = await billing.ok(admin, INVOICE, {"i": {**request, "amount": "100.01"}})
    assert other["issueInvoice"]["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    listed = await billing.ok(admin, INVOICES, {"f": fam.id})
    assert len(listed["familyInvoices"]) == 1


async def test_a_branch_admins_money_without_a_branch_is_booked_to_their_branch(billing: Harness) -> None:
    """The desk's cash, recorded without naming a branch (as the console's example does), is in the admin's
    branch's report and is refunded by that branch only: before, it was in no report and the family's other
    branch's admin could refund it. The same for an invoice (cancelled by its branch only)."""
    since = datetime.now(UTC) - timedelta(minutes=1)
    fam, branch_b = await two_branch_family(billing)
    admin_a, admin_b = billing.admin(fam.branch_id), billing.admin(branch_b)
    paid = await billing.ok(admin_a, RECORD_PAYMENT, {"input": {"familyId": fam.id, "amount": "300",
                                                                "method": "CASH"}})
    assert paid["recordPayment"]["errors"] == [], paid
    payment_id = paid["recordPayment"]["payment"]["id"]
    assert await report_payments(billing, admin_a, fam.branch_id, since) == "300.00"
    assert await report_payments(billing, admin_b, branch_b, since) == "0.00"

    await refused_and_unchanged(billing, admin_b, REFUND, {"i": {"paymentId": payment_id, "amount": "50",
                                                                 "reason": "r"}}, "refundPayment")
    refunded = await billing.ok(admin_a, REFUND, {"i": {"paymentId": payment_id, "amount": "50", "reason": "r"}})
    assert refunded["refundPayment"]["errors"] == [], refunded

    inv = await billing.ok(admin_a, INVOICE, {"i": {"familyId": fam.id, "description": "d", "amount": "10"}})
    invoice_id = inv["issueInvoice"]["invoice"]["id"]
    await refused_and_unchanged(billing, admin_b, CANCEL_INVOICE, {"i": invoice_id}, "cancelInvoice")
    assert (await billing.ok(admin_a, CANCEL_INVOICE, {"i": invoice_id}))["cancelInvoice"]["errors"] == []

    # Adjustments and charges too: in A's books, so B's admin sees none of it in B's report and A's balance moves.
    for query, name, i in ((ADJUST, "adjustBalance", {"amount": "5", "reason": "bonus"}),
                           (CHARGE, "chargeAccount", {"amount": "7", "description": "book"})):
        done = await billing.ok(admin_a, query, {"i": {"familyId": fam.id, **i}})
        assert done[name]["errors"] == [], done
    assert await billing.balances(fam.id) == (Decimal("248.00"), Decimal("248.00"))

    # The owner's money without a branch stays school-wide.
    owner_paid = await billing.ok(billing.owner(), RECORD_PAYMENT, {"input": {"familyId": fam.id, "amount": "1",
                                                                              "method": "CASH"}})
    assert owner_paid["recordPayment"]["errors"] == []
    assert await report_payments(billing, admin_a, fam.branch_id, since) == "300.00"


async def test_an_admin_of_both_the_familys_branches_names_the_branch(billing: Harness) -> None:
    fam, branch_b = await two_branch_family(billing)
    both = token_for(billing.key, Principal(user_id=f"u-{uuid.uuid4().hex[:6]}", role=Role.BRANCH_ADMIN,
                                            branch_ids=frozenset({fam.branch_id, branch_b}), staff_id="staff-ab"))
    for query, name, i in (
            (RECORD_PAYMENT, "recordPayment", {"amount": "300", "method": "CASH"}),
            (ADJUST, "adjustBalance", {"amount": "5", "reason": "bonus"}),
            (CHARGE, "chargeAccount", {"amount": "7", "description": "book"}),
            (INVOICE, "issueInvoice", {"amount": "7", "description": "d"})):
        key = "input" if name == "recordPayment" else "i"
        before = await snapshot(billing.runtime.sessionmaker, metadata)
        res = await billing.ok(both, query, {key: {"familyId": fam.id, **i}})
        assert [(e["code"], e["field"]) for e in res[name]["errors"]] == [("INVALID_INPUT", "branchId")], res
        assert changes(before, await snapshot(billing.runtime.sessionmaker, metadata)) == {}
        named = await billing.ok(both, query, {key: {"familyId": fam.id, "branchId": branch_b, **i}})
        assert named[name]["errors"] == [], (name, named)


async def test_a_payment_goes_only_to_an_invoice_of_a_branch_the_admin_acts_for(billing: Harness) -> None:
    """Branch A's admin cannot apply the family's money to branch B's invoice (recorded, or as an online
    checkout they start): FORBIDDEN, nothing changes. B's admin, the owner and the family's guardian can."""
    fam, branch_b = await two_branch_family(billing)
    admin_a, admin_b = billing.admin(fam.branch_id), billing.admin(branch_b)
    inv = await billing.ok(admin_b, INVOICE, {"i": {"familyId": fam.id, "description": "B", "amount": "100",
                                                    "branchId": branch_b}})
    invoice_id = inv["issueInvoice"]["invoice"]["id"]
    pay = {"familyId": fam.id, "amount": "100", "method": "CASH", "invoiceId": invoice_id}
    await refused_and_unchanged(billing, admin_a, RECORD_PAYMENT, {"input": pay}, "recordPayment")
    await refused_and_unchanged(billing, admin_a, RECORD_PAYMENT, {"input": {**pay, "branchId": fam.branch_id}},
                                "recordPayment")
    await refused_and_unchanged(billing, admin_a, START_ONLINE, {"i": {
        "familyId": fam.id, "amount": "100", "invoiceId": invoice_id}}, "startOnlinePayment")
    assert await billing.balances(fam.id) == (0, 0)

    started = await billing.ok(billing.guardian(fam), START_ONLINE, {"i": {"familyId": fam.id, "amount": "10",
                                                                           "invoiceId": invoice_id}})
    assert started["startOnlinePayment"]["errors"] == [], started
    for token in (admin_b, billing.owner()):
        done = await billing.ok(token, RECORD_PAYMENT, {"input": {**pay, "amount": "40"}})
        assert done["recordPayment"]["errors"] == [], done
    listed = await billing.ok(admin_a, INVOICES, {"f": fam.id})
    assert listed["familyInvoices"] == [{"id": invoice_id, "status": "partly_paid", "paid": {"amount": "80.00"}}]


async def test_another_branchs_subscription_is_invoiced_by_that_branch_only(billing: Harness) -> None:
    """issueInvoice for a subscription of the family's other branch: before, A's admin issued it (booked to B,
    where A could not even cancel it); now FORBIDDEN, nothing changes."""
    fam, branch_b = await two_branch_family(billing)
    admin_a, admin_b = billing.admin(fam.branch_id), billing.admin(branch_b)
    plan = await billing.ok(billing.owner(), PLAN, {"b": branch_b})
    sold = await billing.ok(admin_b, SELL, {"p": plan["createSubscriptionPlan"]["subscriptionPlan"]["id"],
                                            "s": fam.student_ids[1]})
    sub = sold["sellSubscription"]["subscription"]["id"]
    for branch in (None, fam.branch_id):
        await refused_and_unchanged(billing, admin_a, INVOICE, {"i": {
            "familyId": fam.id, "description": "d", "subscriptionId": sub, "branchId": branch}}, "issueInvoice")
    done = await billing.ok(admin_b, INVOICE, {"i": {"familyId": fam.id, "description": "d", "subscriptionId": sub}})
    assert done["issueInvoice"]["errors"] == [] and done["issueInvoice"]["invoice"]["amount"] == {"amount": "40.00"}


PAYMENTS = """query($f: ID!) { familyPayments(familyId: $f) { id method refunded { amount } } }"""


async def test_a_school_wide_payment_is_refunded_by_the_owner_only(billing: Harness) -> None:
    """A payment booked to no branch - online (the provider pays the school), or the owner's without a branch - is
    in no branch's report: the owner refunds it. Any admin of one of the family's branches could (the booked
    branch was checked only when there was one): FORBIDDEN, nothing changes. A branch's own payment stays its
    admins' to refund."""
    fam, branch_b = await two_branch_family(billing)
    admin_a, admin_b, owner = billing.admin(fam.branch_id), billing.admin(branch_b), billing.owner()
    started = await billing.ok(billing.guardian(fam), START_ONLINE, {"i": {"familyId": fam.id, "amount": "100"}})
    provider = billing.runtime.payment_provider
    body, headers = provider.notification(  # type: ignore[attr-defined]
        started["startOnlinePayment"]["checkout"]["providerPaymentId"])
    assert (await billing.http._client.post("/webhooks/payments/local", content=body, headers=headers)
            ).status_code == 200
    owners = await billing.ok(owner, RECORD_PAYMENT, {"input": {"familyId": fam.id, "amount": "50",
                                                                "method": "CASH"}})
    listed = (await billing.ok(owner, PAYMENTS, {"f": fam.id}))["familyPayments"]
    online = next(x["id"] for x in listed if x["method"] == "online")
    school_wide = [online, owners["recordPayment"]["payment"]["id"]]
    for payment_id in school_wide:
        for admin in (admin_a, admin_b):
            await refused_and_unchanged(billing, admin, REFUND, {"i": {"paymentId": payment_id, "amount": "10",
                                                                       "reason": "r"}}, "refundPayment")
        done = await billing.ok(owner, REFUND, {"i": {"paymentId": payment_id, "amount": "10", "reason": "r"}})
        assert done["refundPayment"]["payment"]["refunded"] == {"amount": "10.00"}, done
    booked = await billing.pay(fam, "20")
    own = await billing.ok(admin_a, REFUND, {"i": {"paymentId": booked["recordPayment"]["payment"]["id"],
                                                   "amount": "5", "reason": "r"}})
    assert own["refundPayment"]["errors"] == [], own
    assert await billing.balances(fam.id) == (Decimal("145.00"), Decimal("145.00"))


async def test_a_school_wide_invoice_is_cancelled_by_the_owner_only(billing: Harness) -> None:
    """An invoice booked to no branch (the owner's without a branch) is in no branch's report: as with a
    school-wide payment's refund, the owner cancels it. Any admin of one of the family's branches could (the
    booked branch was checked only when there was one): FORBIDDEN, nothing changes. A branch's own invoice stays
    its admins' to cancel."""
    fam, branch_b = await two_branch_family(billing)
    admin_a, admin_b, owner = billing.admin(fam.branch_id), billing.admin(branch_b), billing.owner()
    issued = await billing.ok(owner, INVOICE, {"i": {"familyId": fam.id, "description": "School", "amount": "100"}})
    school_wide = issued["issueInvoice"]["invoice"]["id"]
    for admin in (admin_a, admin_b):
        await refused_and_unchanged(billing, admin, CANCEL_INVOICE, {"i": school_wide}, "cancelInvoice")
    done = await billing.ok(owner, CANCEL_INVOICE, {"i": school_wide})
    assert done["cancelInvoice"]["errors"] == [], done
    own = await billing.ok(admin_a, INVOICE, {"i": {"familyId": fam.id, "description": "A", "amount": "50"}})
    own_id = own["issueInvoice"]["invoice"]["id"]
    await refused_and_unchanged(billing, admin_b, CANCEL_INVOICE, {"i": own_id}, "cancelInvoice")
    assert (await billing.ok(admin_a, CANCEL_INVOICE, {"i": own_id}))["cancelInvoice"]["errors"] == []
    listed = {x["id"]: x["status"] for x in (await billing.ok(owner, INVOICES, {"f": fam.id}))["familyInvoices"]}
    assert listed == {school_wide: "cancelled", own_id: "cancelled"}


async def test_a_branch_admins_invoice_of_a_school_wide_subscription_is_booked_to_their_branch(
        billing: Harness) -> None:
    """issueInvoice for a subscription booked to no branch (a child with no branch yet, on a school-wide plan):
    a branch admin's invoice was booked to no branch - school-wide, which only the owner may cancel. Now it is
    booked to the admin's branch, as their other money is, and they cancel it."""
    fam = await billing.family()
    no_branch = str(uuid.uuid4())
    await billing.deliver("identity.student.registered", {
        "student_id": no_branch, "family_id": fam.id, "first_name": "New", "last_name": "Test",
        "birth_date": "2016-01-01", "branch_id": None})
    owner, admin = billing.owner(), billing.admin(fam.branch_id)
    plan = await billing.ok(owner, PLAN, {"b": None})
    sold = await billing.ok(owner, SELL, {"p": plan["createSubscriptionPlan"]["subscriptionPlan"]["id"],
                                          "s": no_branch})
    sub = sold["sellSubscription"]["subscription"]["id"]
    issued = await billing.ok(admin, INVOICE, {"i": {"familyId": fam.id, "description": "d", "subscriptionId": sub}})
    assert issued["issueInvoice"]["errors"] == [], issued
    cancelled = await billing.ok(admin, CANCEL_INVOICE, {"i": issued["issueInvoice"]["invoice"]["id"]})
    assert cancelled["cancelInvoice"]["errors"] == [], cancelled


CREDIT_LIMIT = """mutation($f: ID!, $l: Decimal!) { setCreditLimit(familyId: $f, limit: $l) {
  account { creditLimit { amount } } errors { code field } } }"""


async def test_a_familys_credit_limit_is_set_by_whoever_manages_all_its_branches(billing: Harness) -> None:
    """The credit limit is the family's (one account): it bounds every branch's charges. An admin of one of its
    branches set it for the other branch too; now the owner, or an admin of every branch the family studies in
    (for a family of one branch: its admin, as before). Others: FORBIDDEN, nothing changes."""
    fam, branch_b = await two_branch_family(billing)
    for admin in (billing.admin(fam.branch_id), billing.admin(branch_b)):
        await refused_and_unchanged(billing, admin, CREDIT_LIMIT, {"f": fam.id, "l": "500"}, "setCreditLimit")
    both = token_for(billing.key, Principal(user_id=f"u-{uuid.uuid4().hex[:6]}", role=Role.BRANCH_ADMIN,
                                            branch_ids=frozenset({fam.branch_id, branch_b}), staff_id="staff-cl"))
    for token, limit in ((both, "300"), (billing.owner(), "400")):
        done = await billing.ok(token, CREDIT_LIMIT, {"f": fam.id, "l": limit})
        assert done["setCreditLimit"]["account"]["creditLimit"] == {"amount": f"{limit}.00"}, done
    single = await billing.family()
    done = await billing.ok(billing.admin(single.branch_id), CREDIT_LIMIT, {"f": single.id, "l": "200"})
    assert done["setCreditLimit"]["errors"] == [], done


async def test_a_school_wide_subscription_is_closed_by_the_owner_only(billing: Harness) -> None:
    """Closing a subscription refunds its unused lessons to the family's balance, booked where the subscription
    is: for one booked to no branch (the owner's sale to a child with no branch yet), in no branch's report - the
    owner's, by the rule of school-wide refunds and invoices. Any admin of the family's branch could close it:
    FORBIDDEN now, nothing changes; the owner closes it."""
    fam = await billing.family()
    no_branch = str(uuid.uuid4())
    await billing.deliver("identity.student.registered", {
        "student_id": no_branch, "family_id": fam.id, "first_name": "New", "last_name": "Test",
        "birth_date": "2016-01-01", "branch_id": None})
    owner, admin = billing.owner(), billing.admin(fam.branch_id)
    plan = await billing.ok(owner, PLAN, {"b": None})
    sold = await billing.ok(owner, SELL, {"p": plan["createSubscriptionPlan"]["subscriptionPlan"]["id"],
                                          "s": no_branch})
    sub = sold["sellSubscription"]["subscription"]["id"]
    close = "mutation($s: ID!) { closeSubscription(subscriptionId: $s) { errors { code } } }"
    await refused_and_unchanged(billing, admin, close, {"s": sub}, "closeSubscription")
    closed = await billing.ok(owner, close, {"s": sub})
    assert closed["closeSubscription"]["errors"] == [], closed
