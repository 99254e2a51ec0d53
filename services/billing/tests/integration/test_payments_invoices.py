"""Payments, invoices, refunds, online webhooks, adjustments, statement, debtors, reports (R-BIL-3, R-BIL-6)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from kabinet.auth import Role

from .conftest import RECORD_PAYMENT, Harness
from .test_lesson_charges import lesson_payload, statement

INVOICE = """mutation($i: IssueInvoiceInput!) { issueInvoice(input: $i) { invoice { id status amount { amount }
  paid { amount } } errors { code } } }"""
INVOICES = "query($f: ID!) { familyInvoices(familyId: $f) { id status paid { amount } } }"
ADJUST = """mutation($i: AdjustBalanceInput!) { adjustBalance(input: $i) { line { kind description amount { amount }
  createdBy at } errors { code field } } }"""
REFUND = """mutation($i: RefundPaymentInput!) { refundPayment(input: $i) { payment { refunded { amount } }
  balanceAfter { amount } errors { code } } }"""
START_ONLINE = """mutation($i: StartOnlinePaymentInput!) { startOnlinePayment(input: $i) {
  checkout { providerPaymentId confirmationUrl } errors { code } } }"""


async def test_invoice_statuses_follow_payments_and_refund_returns_money(billing: Harness) -> None:
    fam = await billing.family()
    admin = billing.admin(fam.branch_id)
    inv = (await billing.ok(admin, INVOICE, {"i": {"familyId": fam.id, "description": "December",
                                                   "amount": "3000.00", "periodFrom": "2026-12-01",
                                                   "periodTo": "2026-12-31"}}))["issueInvoice"]["invoice"]
    assert inv["status"] == "issued"
    pay = {"familyId": fam.id, "method": "BANK_TRANSFER", "invoiceId": inv["id"]}
    first = await billing.ok(admin, RECORD_PAYMENT, {"input": {**pay, "amount": "1000.00"}})
    assert first["recordPayment"]["errors"] == []
    assert (await billing.ok(admin, INVOICES, {"f": fam.id}))["familyInvoices"][0]["status"] == "partly_paid"
    await billing.ok(admin, RECORD_PAYMENT, {"input": {**pay, "amount": "2000.00"}})
    got = (await billing.ok(billing.guardian(fam), INVOICES, {"f": fam.id}))["familyInvoices"][0]
    assert got == {"id": inv["id"], "status": "paid", "paid": {"amount": "3000.00"}}
    cancel = await billing.ok(admin, "mutation($i: ID!) { cancelInvoice(invoiceId: $i) { errors { code } } }",
                              {"i": inv["id"]})
    assert cancel["cancelInvoice"]["errors"] == [{"code": "INVOICE_STATE_INVALID"}]

    payment_id = first["recordPayment"]["payment"]["id"]
    key = str(uuid.uuid4())
    refund = {"paymentId": payment_id, "amount": "400.00", "reason": "moved away", "idempotencyKey": key}
    r1 = await billing.ok(admin, REFUND, {"i": refund})
    r2 = await billing.ok(admin, REFUND, {"i": refund})  # a retry: the same answer, one refund
    assert r1 == r2 and r1["refundPayment"]["balanceAfter"]["amount"] == "2600.00"
    too_much = await billing.ok(admin, REFUND, {"i": {**refund, "amount": "700.00", "idempotencyKey": "x" + key}})
    assert too_much["refundPayment"]["errors"] == [{"code": "REFUND_EXCEEDS_PAYMENT"}]
    assert await billing.balances(fam.id) == (Decimal("2600.00"), Decimal("2600.00"))


async def test_online_payment_webhook_is_signed_and_idempotent(billing: Harness) -> None:
    fam = await billing.family()
    started = await billing.ok(billing.guardian(fam), START_ONLINE, {"i": {"familyId": fam.id, "amount": "1500.00"}})
    checkout = started["startOnlinePayment"]["checkout"]
    assert checkout["confirmationUrl"].endswith(checkout["providerPaymentId"])
    assert await billing.balances(fam.id) == (0, 0)  # nothing until the provider confirms
    provider = billing.runtime.payment_provider
    body, headers = provider.notification(checkout["providerPaymentId"])  # type: ignore[attr-defined]
    url = "/webhooks/payments/local"
    forged = await billing.http._client.post(url, content=body, headers={**headers, "content-hmac": "AAAA"})
    assert forged.status_code == 401
    assert await billing.balances(fam.id) == (0, 0)
    for _ in range(3):  # providers repeat notifications until they get a 2xx
        resp = await billing.http._client.post(url, content=body, headers=headers)
        assert resp.status_code == 200, resp.text
    assert await billing.balances(fam.id) == (Decimal("1500.00"), Decimal("1500.00"))
    changed, h2 = provider.notification(checkout["providerPaymentId"], amount=Decimal("9999.00"))  # type: ignore[attr-defined]
    resp = await billing.http._client.post(url, content=changed, headers=h2)
    assert resp.status_code == 409 and resp.json()["error"] == "IDEMPOTENCY_KEY_REUSED"
    payments = await billing.ok(billing.guardian(fam), "query($f: ID!) { familyPayments(familyId: $f) "
                                "{ method amount { amount } } }", {"f": fam.id})
    assert payments["familyPayments"] == [{"method": "online", "amount": {"amount": "1500.00"}}]


async def test_adjustments_by_branch_admins_only_visible_in_history(billing: Harness) -> None:
    fam = await billing.family()
    other_admin = billing.admin("some-other-branch")
    data = {"familyId": fam.id, "amount": "500.00", "reason": "Referral bonus: brought a friend"}
    for token in (billing.guardian(fam), other_admin, billing.token(Role.TEACHER, branch=fam.branch_id)):
        res = await billing.gql(token, ADJUST, {"i": data})
        assert res["errors"][0]["extensions"]["code"] == "FORBIDDEN", res
    assert (await billing.gql(None, ADJUST, {"i": data}))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    no_reason = await billing.ok(billing.admin(fam.branch_id), ADJUST, {"i": {**data, "reason": " "}})
    assert no_reason["adjustBalance"]["errors"] == [{"code": "INVALID_INPUT", "field": "reason"}]
    ok = await billing.ok(billing.admin(fam.branch_id), ADJUST, {"i": data})
    assert ok["adjustBalance"]["line"]["createdBy"].startswith("staff-")
    await billing.ok(billing.admin(fam.branch_id), ADJUST, {"i": {**data, "amount": "-120.00",
                                                                  "reason": "Correction: double payment"}})
    lines = await statement(billing, fam)
    assert [(ln["kind"], ln["amount"]["amount"], ln["balanceAfter"]["amount"]) for ln in lines] == [
        ("adjustment", "500.00", "500.00"), ("adjustment", "-120.00", "380.00")]
    assert "Referral" in lines[0]["description"]


async def test_branch_report_and_debtors(billing: Harness) -> None:
    fam = await billing.family()
    poor = await billing.family(branch=fam.branch_id)
    admin = billing.admin(fam.branch_id)
    since = datetime.now(UTC) - timedelta(minutes=1)
    await billing.pay(fam, "2000.00")
    await billing.deliver("scheduling.lesson.scheduled", lesson_payload(fam, fam.student_ids, price="700.00"))
    await billing.deliver("scheduling.lesson.scheduled", lesson_payload(poor, poor.student_ids, price="700.00"))
    for f in (fam, poor):  # lessons this branch charged are in the report
        for t in ((await billing.balances(f.id)),):
            assert t[0] == t[1]
    report = await billing.ok(admin, """query($b: ID!, $s: DateTime!, $u: DateTime!) {
      branchBillingReport(branchId: $b, since: $s, until: $u) { revenue { amount } payments { amount }
      debts { amount } debtors lessonsCharged lessonsAmount { amount } subscriptionsSold } }""",
                              {"b": fam.branch_id, "s": since.isoformat(),
                               "u": (datetime.now(UTC) + timedelta(minutes=1)).isoformat()})
    assert report["branchBillingReport"] == {
        "revenue": {"amount": "1400.00"}, "payments": {"amount": "2000.00"}, "debts": {"amount": "700.00"},
        "debtors": 1, "lessonsCharged": 2, "lessonsAmount": {"amount": "1400.00"}, "subscriptionsSold": 0}
    forbidden = await billing.gql(billing.guardian(fam), "query($b: ID!) { debtors(branchId: $b) { familyId } }",
                                  {"b": fam.branch_id})
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
