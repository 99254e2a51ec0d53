"""The signed online-payment webhook over HTTP, the branch report and debtors (R-BIL-3, R-BIL-6): what needs the
HTTP app and the SQL read models. Invoices, refunds and adjustments are unit tests
(tests/unit/test_payment_flows.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import event, select

from billing.adapters.tables import ledger_entries, ledger_transactions, payments

from .conftest import Harness
from .test_lesson_charges import lesson_payload

START_ONLINE = """mutation($i: StartOnlinePaymentInput!) { startOnlinePayment(input: $i) {
  checkout { providerPaymentId confirmationUrl } errors { code } } }"""


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


PAYMENT_FIELDS = "id familyId amount { amount currency } refunded { amount } method invoiceId receivedAt receivedBy"
PAY = f"""mutation($i: RecordPaymentInput!) {{ recordPayment(input: $i) {{
  payment {{ {PAYMENT_FIELDS} }} balanceAfter {{ amount }} errors {{ code }} }} }}"""
REFUND = """mutation($i: RefundPaymentInput!) { refundPayment(input: $i) { payment { id } errors { code } } }"""


async def test_a_payment_answers_what_was_written_and_a_replay_what_is_now(billing: Harness) -> None:
    """The answer is the payment as written (not read back), the same as any later read; a replay of the key
    reads it, so it shows a refund made since."""
    fam = await billing.family()
    admin = billing.admin(fam.branch_id)
    i = {"familyId": fam.id, "amount": "300", "method": "CARD", "idempotencyKey": "pay-1",
         "branchId": fam.branch_id}
    first = (await billing.ok(admin, PAY, {"i": i}))["recordPayment"]
    read = (await billing.ok(admin, f"query($f: ID!) {{ familyPayments(familyId: $f) {{ {PAYMENT_FIELDS} }} }}",
                             {"f": fam.id}))["familyPayments"]
    assert read == [first["payment"]] and first["payment"]["amount"] == {"amount": "300.00", "currency": "RUB"}
    assert first["balanceAfter"] == {"amount": "300.00"}
    refund = {"paymentId": first["payment"]["id"], "amount": "100", "reason": "r", "idempotencyKey": "ref-1"}
    assert (await billing.ok(admin, REFUND, {"i": refund}))["refundPayment"]["errors"] == []
    again = (await billing.ok(admin, PAY, {"i": i}))["recordPayment"]
    assert again["payment"]["id"] == first["payment"]["id"] and again["balanceAfter"] == {"amount": "300.00"}
    assert again["payment"]["refunded"] == {"amount": "100.00"}
    assert await billing.balances(fam.id) == (Decimal("200.00"), Decimal("200.00"))


async def test_a_payment_posts_its_transaction_entries_and_payment_in_one_statement(billing: Harness) -> None:
    """The balance, the transaction (with the balance after), its two entries and the payment row: written
    together by one statement, all of them or (refused) none."""
    fam = await billing.family()
    await billing.pay(fam, "40.00")
    sent: list[str] = []
    event.listen(billing.runtime.engine.sync_engine, "before_cursor_execute",
                 lambda _c, _cur, sql, *_: sent.append(sql) if "ledger_transactions" in sql else None)
    got = (await billing.pay(fam, "60.00"))["recordPayment"]
    assert got["balanceAfter"]["amount"] == "100.00" and len(sent) == 1, sent
    async with billing.runtime.sessionmaker() as s:
        tx = (await s.execute(select(ledger_transactions).where(
            ledger_transactions.c.payment_id == got["payment"]["id"]))).one()
        entries = (await s.execute(select(ledger_entries).where(ledger_entries.c.transaction_id == tx.id))).all()
        pay = (await s.execute(select(payments).where(payments.c.id == got["payment"]["id"]))).one()
    assert (tx.amount, tx.balance_after, tx.debt, tx.kind) == (Decimal("60.00"), Decimal("100.00"), False, "payment")
    assert sorted(e.amount for e in entries) == [Decimal("-60.00"), Decimal("60.00")]
    assert (pay.transaction_id, pay.amount, pay.refunded) == (tx.id, Decimal("60.00"), Decimal("0.00"))
    assert await billing.balances(fam.id) == (Decimal("100.00"), Decimal("100.00"))
