"""Issue #10, Money (points 1-3), on the billing subgraph itself: forged payment notifications, amounts that
are not money, balances beyond their column, and idempotency keys scoped to the caller."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from billing.adapters.payment_provider import SIGNATURE_HEADER, sign
from billing.bootstrap import build_runtime, create_app
from billing.settings import BillingSettings
from kabinet.auth import Principal, Role

from .conftest import RECORD_PAYMENT, Family, Harness

WEBHOOK = "/webhooks/payments/local"
START_ONLINE = """mutation($i: StartOnlinePaymentInput!) { startOnlinePayment(input: $i) {
  checkout { providerPaymentId confirmationUrl } errors { code field } } }"""
INVOICE = """mutation($i: IssueInvoiceInput!) { issueInvoice(input: $i) { invoice { id status amount { amount } }
  errors { code field } } }"""
ADJUST = """mutation($i: AdjustBalanceInput!) { adjustBalance(input: $i) { line { amount { amount }
  balanceAfter { amount } } errors { code field } } }"""
CHARGE = """mutation($i: ChargeAccountInput!) { chargeAccount(input: $i) { line { amount { amount } }
  errors { code field } } }"""
REFUND = """mutation($i: RefundPaymentInput!) { refundPayment(input: $i) { payment { id }
  errors { code field } } }"""
CREDIT_LIMIT = """mutation($f: ID!, $l: Decimal!) { setCreditLimit(familyId: $f, limit: $l) {
  account { creditLimit { amount } } errors { code field } } }"""
PLAN = """mutation($i: CreateSubscriptionPlanInput!) { createSubscriptionPlan(input: $i) {
  subscriptionPlan { id } errors { code field } } }"""
DISCOUNT = """mutation($i: CreateDiscountInput!) { createDiscount(input: $i) { discount { id }
  errors { code field } } }"""


def body_of(*, pid: str, amount: str, family_id: str, currency: str = "RUB", invoice_id: str | None = None,
            status: str = "succeeded") -> bytes:
    """A provider notification written by hand (the amount exactly as given, not formatted)."""
    return json.dumps({"id": pid, "status": status, "amount": {"value": amount, "currency": currency},
                       "metadata": {"family_id": family_id, "invoice_id": invoice_id}}).encode()


async def post_signed(billing: Harness, body: bytes, secret: str | None = None) -> Any:
    secret = secret if secret is not None else billing.runtime.payment_provider.secret  # type: ignore[attr-defined]
    return await billing.http._client.post(WEBHOOK, content=body, headers={
        SIGNATURE_HEADER: sign(secret, body), "content-type": "application/json"})


async def start_checkout(billing: Harness, fam: Family, amount: str, invoice_id: str | None = None) -> str:
    got = await billing.ok(billing.guardian(fam), START_ONLINE, {"i": {
        "familyId": fam.id, "amount": amount, **({"invoiceId": invoice_id} if invoice_id else {})}})
    assert got["startOnlinePayment"]["errors"] == [], got
    return str(got["startOnlinePayment"]["checkout"]["providerPaymentId"])


def refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "billing.entrypoints.webhooks" and r.levelno == logging.WARNING]


# -- (1) forged payment notifications -----------------------------------------------------------------------------

async def test_notification_not_matching_the_checkout_is_refused_logged_and_changes_nothing(
        billing: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    fam = await billing.family()
    other = await billing.family()
    pid = await start_checkout(billing, fam, "100.00")
    forged = [
        body_of(pid=pid, amount="1000000.00", family_id=fam.id),  # a million against a 100.00 checkout
        body_of(pid=pid, amount="100.01", family_id=fam.id),
        body_of(pid=pid, amount="99.99", family_id=fam.id),
        body_of(pid=pid, amount="100.00", family_id=other.id),  # another family
        body_of(pid=pid, amount="100.00", family_id=fam.id, currency="USD"),
        body_of(pid=f"pay_{uuid.uuid4().hex}", amount="100.00", family_id=fam.id),  # an id billing never issued
        body_of(pid=pid, amount="100.00", family_id=fam.id, invoice_id=str(uuid.uuid4())),
    ]
    for body in forged:
        caplog.clear()
        resp = await post_signed(billing, body)
        assert 400 <= resp.status_code < 500, (body, resp.status_code, resp.text)
        assert "Traceback" not in resp.text
        logged = refusals(caplog)
        assert len(logged) == 1 and "\n" not in logged[0].getMessage(), [r.getMessage() for r in caplog.records]
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert await billing.balances(fam.id) == (0, 0)
    assert await billing.balances(other.id) == (0, 0)

    # The notification that matches is applied once, however often the provider repeats it.
    right = body_of(pid=pid, amount="100.00", family_id=fam.id)
    for _ in range(3):
        resp = await post_signed(billing, right)
        assert resp.status_code == 200, resp.text
    assert await billing.balances(fam.id) == (Decimal("100.00"), Decimal("100.00"))
    again = await post_signed(billing, body_of(pid=pid, amount="1000000.00", family_id=fam.id))
    assert 400 <= again.status_code < 500
    assert await billing.balances(fam.id) == (Decimal("100.00"), Decimal("100.00"))


async def test_a_wrong_signature_is_refused(billing: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    fam = await billing.family()
    pid = await start_checkout(billing, fam, "100.00")
    body = body_of(pid=pid, amount="100.00", family_id=fam.id)
    for secret in ("local-dev-secret", "x" * 40):
        resp = await post_signed(billing, body, secret=secret)
        assert resp.status_code == 401
    resp = await billing.http._client.post(WEBHOOK, content=body)  # not signed at all
    assert resp.status_code == 401
    assert len(refusals(caplog)) == 3
    assert await billing.balances(fam.id) == (0, 0)


async def test_invoice_checkout_accepts_only_the_invoice_amount(billing: Harness) -> None:
    fam = await billing.family()
    admin = billing.admin(fam.branch_id)
    inv = (await billing.ok(admin, INVOICE, {"i": {"familyId": fam.id, "description": "May",
                                                   "amount": "3000.00"}}))["issueInvoice"]["invoice"]
    # a checkout larger than what is left to pay on the invoice is not started
    too_big = await billing.ok(billing.guardian(fam), START_ONLINE, {"i": {"familyId": fam.id, "amount": "3000.01",
                                                                          "invoiceId": inv["id"]}})
    assert too_big["startOnlinePayment"]["checkout"] is None
    assert too_big["startOnlinePayment"]["errors"][0]["code"] == "INVALID_AMOUNT"
    pid = await start_checkout(billing, fam, "3000.00", inv["id"])
    for amount in ("2999.99", "3000.01", "30000.00", "1000000.00"):
        resp = await post_signed(billing, body_of(pid=pid, amount=amount, family_id=fam.id, invoice_id=inv["id"]))
        assert 400 <= resp.status_code < 500, (amount, resp.text)
    resp = await post_signed(billing, body_of(pid=pid, amount="3000.00", family_id=fam.id))  # invoice dropped
    assert 400 <= resp.status_code < 500
    assert await billing.balances(fam.id) == (0, 0)
    resp = await post_signed(billing, body_of(pid=pid, amount="3000.00", family_id=fam.id, invoice_id=inv["id"]))
    assert resp.status_code == 200, resp.text
    assert await billing.balances(fam.id) == (Decimal("3000.00"), Decimal("3000.00"))
    got = await billing.ok(admin, "query($f: ID!) { familyInvoices(familyId: $f) { status } }", {"f": fam.id})
    assert got["familyInvoices"] == [{"status": "paid"}]


@pytest.mark.parametrize("amount", ["1e400", "NaN", "Infinity", "-Infinity", "sNaN", "100.001", "-100.00", "0",
                                    "abc", "1e12", "10000000.01"])
async def test_a_notification_amount_that_is_not_money_is_a_400(billing: Harness, amount: str) -> None:
    fam = await billing.family()
    pid = await start_checkout(billing, fam, "100.00")
    resp = await post_signed(billing, body_of(pid=pid, amount=amount, family_id=fam.id))
    assert resp.status_code == 400, resp.text
    raw = json.dumps({"id": pid, "status": "succeeded", "amount": {"value": 1e400 if amount == "1e400" else amount},
                      "metadata": {"family_id": fam.id}}).encode()  # a JSON number, not a string
    assert (await post_signed(billing, raw)).status_code == 400
    assert await billing.balances(fam.id) == (0, 0)


def test_billing_has_no_default_webhook_secret_and_refuses_to_serve_without_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BILLING_PAYMENT_WEBHOOK_SECRET", raising=False)
    settings = BillingSettings(database_url=f"sqlite:///{tmp_path}/b.db", data_dir=tmp_path)
    assert not settings.payment_webhook_secret
    with pytest.raises(SystemExit, match="BILLING_PAYMENT_WEBHOOK_SECRET"):
        create_app(settings)
    with pytest.raises(SystemExit, match="BILLING_PAYMENT_WEBHOOK_SECRET"):
        create_app(BillingSettings(database_url=f"sqlite:///{tmp_path}/b.db", payment_webhook_secret="short"))
    build_runtime(settings)  # `kabinet-billing migrate` needs no webhook secret


def test_kabinet_billing_serve_exits_with_a_clear_message_without_the_secret(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BILLING_")}
    env.update(BILLING_DATABASE_URL=f"sqlite:///{tmp_path}/b.db", KABINET_DATA_DIR=str(tmp_path))
    exe = str(Path(sys.executable).parent / "kabinet-billing")
    done = subprocess.run([exe, "serve", "--port", "1"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "BILLING_PAYMENT_WEBHOOK_SECRET is not set" in done.stderr, done.stderr[-2000:]
    migrated = subprocess.run([exe, "migrate"], env=env, capture_output=True, text=True, timeout=120)
    assert migrated.returncode == 0, migrated.stderr[-2000:]


# -- (2) amounts --------------------------------------------------------------------------------------------------

NOT_MONEY = ["1e400", "NaN", "Infinity", "-Infinity", "sNaN", "1e12", "-1e12", "1E+30"]


async def amount_cases(billing: Harness, fam: Family) -> dict[str, tuple[str, Any]]:
    """Every billing mutation that takes an amount: (query, variables with the amount as a function)."""
    paid = await billing.pay(fam, "50.00")
    payment_id = paid["recordPayment"]["payment"]["id"]
    f, b = fam.id, fam.branch_id
    return {
        "recordPayment": (RECORD_PAYMENT, lambda a: {"input": {"familyId": f, "amount": a, "method": "CASH"}}),
        "adjustBalance": (ADJUST, lambda a: {"i": {"familyId": f, "amount": a, "reason": "probe"}}),
        "chargeAccount": (CHARGE, lambda a: {"i": {"familyId": f, "amount": a, "description": "probe"}}),
        "refundPayment": (REFUND, lambda a: {"i": {"paymentId": payment_id, "amount": a, "reason": "probe"}}),
        "issueInvoice": (INVOICE, lambda a: {"i": {"familyId": f, "amount": a, "description": "probe"}}),
        "startOnlinePayment": (START_ONLINE, lambda a: {"i": {"familyId": f, "amount": a}}),
        "setCreditLimit": (CREDIT_LIMIT, lambda a: {"f": f, "l": a}),
        "createSubscriptionPlan": (PLAN, lambda a: {"i": {"name": "P", "lessons": 4, "validityDays": 30, "price": a,
                                                          "lessonTypes": ["group"], "branchId": b}}),
        "createDiscount": (DISCOUNT, lambda a: {"i": {"name": "D", "scope": "FAMILY", "target": f, "kind": "FIXED",
                                                      "value": a, "branchId": b}}),
    }


async def test_amounts_that_are_not_money_are_bad_user_input_on_every_mutation(billing: Harness) -> None:
    fam = await billing.family()
    admin = billing.admin(fam.branch_id)
    cases = await amount_cases(billing, fam)
    for name, (query, variables) in cases.items():
        for amount in NOT_MONEY:
            got = await billing.gql(admin, query, variables(amount))
            assert got.get("data") is None or got["data"].get(name) is None, (name, amount, got)
            codes = [e["extensions"]["code"] for e in got.get("errors", [])]
            assert codes == ["BAD_USER_INPUT"], (name, amount, got)
            assert "Traceback" not in str(got) and "Internal" not in str(got)
        # a literal in the document is parsed by the same rule
        literal = query.replace("$l: Decimal!", "").replace("limit: $l", 'limit: "NaN"') if name == "setCreditLimit" \
            else None
        if literal:
            got = await billing.gql(admin, literal, {"f": fam.id})
            assert [e["extensions"]["code"] for e in got["errors"]] == ["BAD_USER_INPUT"], got
    assert await billing.balances(fam.id) == (Decimal("50.00"), Decimal("50.00"))


async def test_amounts_beyond_the_rules_are_typed_payload_errors(billing: Harness) -> None:
    fam = await billing.family()
    admin = billing.admin(fam.branch_id)
    cases = await amount_cases(billing, fam)
    payload_amount = ["recordPayment", "adjustBalance", "chargeAccount", "refundPayment", "issueInvoice",
                      "startOnlinePayment"]
    for name in payload_amount:
        query, variables = cases[name]
        for amount in ("10.001", "0.001", "10000000.01", "999999999999.99", "-5", "0"):
            if name == "adjustBalance" and amount == "-5":
                continue  # a correction may debit
            got = await billing.ok(admin, query, variables(amount))
            assert [e["code"] for e in got[name]["errors"]] == ["INVALID_AMOUNT"], (name, amount, got)
    for name in ("setCreditLimit", "createSubscriptionPlan", "createDiscount"):
        query, variables = cases[name]
        # a credit limit is bounded by the balance ceiling, a price or a fixed discount by the operation maximum
        too_big = "100000000.01" if name == "setCreditLimit" else "10000000.01"
        for amount in ("10.001", too_big, "-5"):
            got = await billing.ok(admin, query, variables(amount))
            assert got[name]["errors"] and got[name]["errors"][0]["code"] in ("INVALID_AMOUNT", "INVALID_INPUT"), got
    # the maximum itself is allowed
    at_max = await billing.ok(admin, ADJUST, {"i": {"familyId": fam.id, "amount": "10000000.00", "reason": "max"}})
    assert at_max["adjustBalance"]["errors"] == []
    assert await billing.balances(fam.id) == (Decimal("10000050.00"), Decimal("10000050.00"))


@pytest.fixture
def wide_limits(billing: Harness) -> Harness:
    """Operations as large as the column allows, and no ceiling below the column's own range."""
    from billing.domain.model import MoneyLimits

    billing.runtime.limits = MoneyLimits(max_per_operation=Decimal("999999999999.99"),  # type: ignore[attr-defined]
                                         balance_ceiling=Decimal("999999999999.99"))
    return billing


async def test_two_adjustments_of_999_999_999_999_99_never_overflow_the_balance(wide_limits: Harness) -> None:
    billing = wide_limits
    fam = await billing.family()
    admin = billing.admin(fam.branch_id)
    huge = {"familyId": fam.id, "amount": "999999999999.99", "reason": "probe"}
    first = await billing.ok(admin, ADJUST, {"i": huge})
    assert first["adjustBalance"]["errors"] == []
    second = await billing.gql(admin, ADJUST, {"i": huge})
    assert "errors" not in second, second
    assert second["data"]["adjustBalance"]["errors"] == [{"code": "BALANCE_LIMIT_EXCEEDED", "field": "amount"}]
    payment = await billing.ok(admin, RECORD_PAYMENT, {"input": {"familyId": fam.id, "amount": "0.01",
                                                                 "method": "CASH"}})
    assert payment["recordPayment"]["errors"][0]["code"] == "BALANCE_LIMIT_EXCEEDED"
    assert await billing.balances(fam.id) == (Decimal("999999999999.99"), Decimal("999999999999.99"))
    down = {**huge, "amount": "-999999999999.99"}
    for _ in range(2):
        await billing.ok(admin, ADJUST, {"i": down})
    third = await billing.ok(admin, ADJUST, {"i": down})
    assert third["adjustBalance"]["errors"] == [{"code": "BALANCE_LIMIT_EXCEEDED", "field": "amount"}]
    assert await billing.balances(fam.id) == (Decimal("-999999999999.99"), Decimal("-999999999999.99"))


async def test_the_configured_balance_ceiling_holds_for_every_operation(billing: Harness) -> None:
    from billing.domain.model import MoneyLimits

    billing.runtime.limits = MoneyLimits(max_per_operation=Decimal("1000.00"),  # type: ignore[attr-defined]
                                         balance_ceiling=Decimal("1500.00"))
    fam = await billing.family()
    admin = billing.admin(fam.branch_id)
    await billing.pay(fam, "1000.00")
    over = await billing.ok(admin, RECORD_PAYMENT, {"input": {"familyId": fam.id, "amount": "500.01",
                                                              "method": "CASH"}})
    assert over["recordPayment"]["errors"][0]["code"] == "BALANCE_LIMIT_EXCEEDED"
    above_max = await billing.ok(admin, RECORD_PAYMENT, {"input": {"familyId": fam.id, "amount": "1000.01",
                                                                   "method": "CASH"}})
    assert above_max["recordPayment"]["errors"][0]["code"] == "INVALID_AMOUNT"
    pid = await start_checkout(billing, fam, "600.00")  # the provider's money cannot pass the ceiling either
    resp = await post_signed(billing, body_of(pid=pid, amount="600.00", family_id=fam.id))
    assert 400 <= resp.status_code < 500, resp.text
    assert await billing.balances(fam.id) == (Decimal("1000.00"), Decimal("1000.00"))


def test_limits_are_settings_with_sane_defaults() -> None:
    settings = BillingSettings()
    assert settings.max_amount_per_operation == Decimal("10000000.00")
    assert Decimal("0") < settings.max_amount_per_operation <= settings.balance_ceiling <= Decimal("999999999999.99")
    with pytest.raises(ValueError):
        BillingSettings(balance_ceiling=Decimal("1e12"))


# -- (3) idempotency keys are the caller's ------------------------------------------------------------------------

async def test_idempotency_keys_are_scoped_to_the_caller(billing: Harness) -> None:
    fam = await billing.family()
    admin_a = billing.token(Role.BRANCH_ADMIN, branch=fam.branch_id, staff="staff-a")
    admin_b = billing.token(Role.BRANCH_ADMIN, branch=fam.branch_id, staff="staff-b")
    key = f"shared-{uuid.uuid4()}"
    pay = {"familyId": fam.id, "method": "CASH", "idempotencyKey": key}
    a = await billing.ok(admin_a, RECORD_PAYMENT, {"input": {**pay, "amount": "100.00"}})
    b = await billing.ok(admin_b, RECORD_PAYMENT, {"input": {**pay, "amount": "250.00"}})
    assert a["recordPayment"]["errors"] == [] and b["recordPayment"]["errors"] == [], (a, b)
    assert a["recordPayment"]["payment"]["id"] != b["recordPayment"]["payment"]["id"]
    assert b["recordPayment"]["payment"]["amount"]["amount"] == "250.00"  # not A's stored result
    assert await billing.balances(fam.id) == (Decimal("350.00"), Decimal("350.00"))
    # B's same key for another kind of operation is not "reused" either
    adj = await billing.ok(admin_b, ADJUST, {"i": {"familyId": fam.id, "amount": "5.00", "reason": "bonus",
                                                   "idempotencyKey": key + "-adj"}})
    adj_a = await billing.ok(admin_a, ADJUST, {"i": {"familyId": fam.id, "amount": "7.00", "reason": "bonus",
                                                     "idempotencyKey": key + "-adj"}})
    assert adj["adjustBalance"]["errors"] == [] and adj_a["adjustBalance"]["errors"] == []
    # the same admin repeating gets the stored result, and other content under the same key is refused
    again = await billing.ok(admin_a, RECORD_PAYMENT, {"input": {**pay, "amount": "100.00"}})
    assert again == a
    reused = await billing.ok(admin_a, RECORD_PAYMENT, {"input": {**pay, "amount": "101.00"}})
    assert reused["recordPayment"]["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert await billing.balances(fam.id) == (Decimal("362.00"), Decimal("362.00"))


async def test_the_same_user_is_the_same_caller_whatever_token(billing: Harness) -> None:
    fam = await billing.family()
    from kabinet.testing.stack import token_for

    p = Principal(user_id=f"u-{uuid.uuid4().hex[:6]}", role=Role.BRANCH_ADMIN, branch_ids=frozenset({fam.branch_id}),
                  staff_id="s-1")
    key = str(uuid.uuid4())
    pay = {"input": {"familyId": fam.id, "method": "CASH", "amount": "10.00", "idempotencyKey": key}}
    first = await billing.ok(token_for(billing.key, p), RECORD_PAYMENT, pay)
    second = await billing.ok(token_for(billing.key, p), RECORD_PAYMENT, pay)  # a new token after a refresh
    assert first == second
    assert await billing.balances(fam.id) == (Decimal("10.00"), Decimal("10.00"))


async def test_embedded_sqlite_keeps_the_ceiling_and_scoped_keys(tmp_path: Path) -> None:
    """The same rules on SQLite (integer cents): the conditional UPDATE and the (scope, key) index."""
    from billing.adapters.tables import inbox
    from billing.domain.errors import BalanceLimitExceeded
    from billing.domain.model import PaymentMethod
    from billing.service import adjustments, payments
    from billing.service.handlers import HANDLERS
    from billing.service.ledger import account_of
    from kabinet.events import Envelope
    from kabinet.inbox import inbox_handler

    runtime = build_runtime(BillingSettings(database_url=f"sqlite:///{tmp_path}/billing.db", data_dir=tmp_path,
                                            max_amount_per_operation=Decimal("1000.00"),
                                            balance_ceiling=Decimal("1500.00")))
    a = Principal(user_id="admin-a", role=Role.OWNER)
    b = Principal(user_id="admin-b", role=Role.OWNER)
    try:
        await runtime.migrate()
        family = str(uuid.uuid4())
        await inbox_handler("billing", runtime.uow, inbox, HANDLERS)(Envelope(
            type="identity.student.registered", version=1, producer="identity",
            payload={"student_id": str(uuid.uuid4()), "family_id": family, "first_name": "A", "last_name": "B",
                     "branch_id": "b"}))
        for who, amount in ((a, "1000.00"), (b, "400.00")):  # one key, two callers: two payments
            async with runtime.uow() as uow:
                await payments.record_payment(payments.RecordPayment(family, Decimal(amount), PaymentMethod.CASH,
                                                                      idempotency_key="same"), uow, who)
        with pytest.raises(BalanceLimitExceeded):
            async with runtime.uow() as uow:
                await payments.record_payment(payments.RecordPayment(family, Decimal("100.01"), PaymentMethod.CASH),
                                              uow, a)
        for _ in range(2):
            async with runtime.uow() as uow:
                await adjustments.adjust_balance(adjustments.AdjustBalance(family, Decimal("-1000.00"), "fix"), uow, a)
        with pytest.raises(BalanceLimitExceeded):
            async with runtime.uow() as uow:
                await adjustments.adjust_balance(adjustments.AdjustBalance(family, Decimal("-1000.00"), "fix"), uow, a)
        async with runtime.uow() as uow:
            assert (await account_of(uow, family)).balance == Decimal("-600.00")
    finally:
        await runtime.engine.dispose()
