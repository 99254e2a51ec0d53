"""Issue #10, Money (points 1-3), where a client goes: the gateway's /graphql and billing's webhook as the stack
serves it, on PostgreSQL + RabbitMQ. Forged notifications, amounts that are not money, a balance pushed past its
column, and one admin's idempotency key used by another."""

from __future__ import annotations

import json
import stat
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from billing.adapters.payment_provider import SIGNATURE_HEADER, sign
from kabinet.auth import Principal, Role
from kabinet.settings import MessagingSettings
from kabinet.testing.stack import GraphQLClient
from kabinet_stack.embedded import Stack
from kabinet_stack.testing import StackHandle

from .conftest import Branch, Fam, ok

WEBHOOK = "/services/billing/webhooks/payments/local"
START_ONLINE = """mutation($i: StartOnlinePaymentInput!) { startOnlinePayment(input: $i) {
  checkout { providerPaymentId } errors { code } } }"""
PAY = """mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { payment { id amount { amount } }
  balanceAfter { amount } errors { code field } } }"""
ADJUST = """mutation($i: AdjustBalanceInput!) { adjustBalance(input: $i) { line { amount { amount } }
  errors { code field } } }"""
CHARGE = """mutation($i: ChargeAccountInput!) { chargeAccount(input: $i) { line { amount { amount } }
  errors { code field } } }"""
INVOICE = """mutation($i: IssueInvoiceInput!) { issueInvoice(input: $i) { invoice { id } errors { code field } } }"""
CREDIT_LIMIT = """mutation($f: ID!, $l: Decimal!) { setCreditLimit(familyId: $f, limit: $l) {
  errors { code field } } }"""
BALANCE = "{ myFamily { account { balance { amount } } } }"


def body_of(*, pid: str, amount: str, family_id: str, currency: str = "RUB",
            invoice_id: str | None = None) -> bytes:
    return json.dumps({"id": pid, "status": "succeeded", "amount": {"value": amount, "currency": currency},
                       "metadata": {"family_id": family_id, "invoice_id": invoice_id}}).encode()


async def notify(h: StackHandle, body: bytes, secret: str | None = None) -> Any:
    secret = secret or h.runtime("billing").payment_provider.secret
    return await h._client._client.post(WEBHOOK, content=body, headers={SIGNATURE_HEADER: sign(secret, body),
                                                                        "content-type": "application/json"})


async def balance(b: Branch, fam: Fam) -> str:
    got = await ok(b.guardian(fam), BALANCE)
    assert await b.balances(fam.id) == (Decimal(got["myFamily"]["account"]["balance"]["amount"]),) * 2
    return str(got["myFamily"]["account"]["balance"]["amount"])


async def checkout(b: Branch, fam: Fam, amount: str, invoice_id: str | None = None) -> str:
    got = await ok(b.guardian(fam), START_ONLINE, {"i": {"familyId": fam.id, "amount": amount,
                                                         **({"invoiceId": invoice_id} if invoice_id else {})}})
    return str(got["startOnlinePayment"]["checkout"]["providerPaymentId"])


def codes(got: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in got.get("errors", [])]


async def test_forged_notifications_are_refused_and_the_right_one_applies_once(gateway_stack: StackHandle,
                                                                               center: Branch) -> None:
    fam, other = await center.family(), await center.family()
    pid = await checkout(center, fam, "100.00")
    for body in (body_of(pid=pid, amount="1000000.00", family_id=fam.id),
                 body_of(pid=pid, amount="100.00", family_id=other.id),
                 body_of(pid=pid, amount="100.00", family_id=fam.id, currency="EUR"),
                 body_of(pid=f"pay_{uuid.uuid4().hex}", amount="100.00", family_id=fam.id),
                 body_of(pid=pid, amount="1e400", family_id=fam.id),
                 body_of(pid=pid, amount="NaN", family_id=fam.id)):
        resp = await notify(gateway_stack, body)
        assert 400 <= resp.status_code < 500, (body, resp.status_code, resp.text)
    wrong_key = await notify(gateway_stack, body_of(pid=pid, amount="100.00", family_id=fam.id),
                             secret="local-dev-secret")
    assert wrong_key.status_code == 401
    assert await balance(center, fam) == "0.00" and await balance(center, other) == "0.00"
    right = body_of(pid=pid, amount="100.00", family_id=fam.id)
    for _ in range(3):
        assert (await notify(gateway_stack, right)).status_code == 200
    assert await balance(center, fam) == "100.00"


async def test_an_invoice_checkout_takes_only_the_invoice_amount(gateway_stack: StackHandle,
                                                                 center: Branch) -> None:
    fam = await center.family()
    inv = (await ok(center.admin, INVOICE, {"i": {"familyId": fam.id, "description": "June", "amount": "2500.00",
                                                  "branchId": center.id}}))["issueInvoice"]["invoice"]["id"]
    pid = await checkout(center, fam, "2500.00", inv)
    for amount in ("2499.99", "2500.01", "250000.00"):
        resp = await notify(gateway_stack, body_of(pid=pid, amount=amount, family_id=fam.id, invoice_id=inv))
        assert 400 <= resp.status_code < 500, (amount, resp.text)
    assert await balance(center, fam) == "0.00"
    assert (await notify(gateway_stack, body_of(pid=pid, amount="2500.00", family_id=fam.id,
                                                invoice_id=inv))).status_code == 200
    assert await balance(center, fam) == "2500.00"


async def test_amounts_that_are_not_money_are_bad_user_input(gateway_stack: StackHandle, center: Branch) -> None:
    fam = await center.family()
    cases = {
        "recordPayment": (PAY, lambda a: {"i": {"familyId": fam.id, "amount": a, "method": "CASH"}}),
        "adjustBalance": (ADJUST, lambda a: {"i": {"familyId": fam.id, "amount": a, "reason": "probe"}}),
        "chargeAccount": (CHARGE, lambda a: {"i": {"familyId": fam.id, "amount": a, "description": "probe"}}),
        "issueInvoice": (INVOICE, lambda a: {"i": {"familyId": fam.id, "amount": a, "description": "probe"}}),
        "setCreditLimit": (CREDIT_LIMIT, lambda a: {"f": fam.id, "l": a}),
    }
    for name, (query, variables) in cases.items():
        for amount in ("1e400", "NaN", "Infinity", "-Infinity", "1e12"):
            got = await center.admin.execute(query, variables(amount))
            assert codes(got) == ["BAD_USER_INPUT"], (name, amount, got)
            assert "Internal" not in json.dumps(got)
        if name != "setCreditLimit":
            for amount in ("10.001", "10000000.01"):
                got = await center.admin.execute(query, variables(amount))
                assert got["data"][name]["errors"][0]["code"] == "INVALID_AMOUNT", (name, amount, got)
    # A literal in the document takes the same rule.
    got = await center.admin.execute('mutation($f: ID!) { setCreditLimit(familyId: $f, limit: "NaN") '
                                     "{ errors { code } } }", {"f": fam.id})
    assert codes(got) == ["BAD_USER_INPUT"], got
    assert await balance(center, fam) == "0.00"


@pytest.fixture
def wide_limits(gateway_stack: StackHandle) -> Any:
    from billing.domain.model import MoneyLimits

    billing = gateway_stack.runtime("billing")
    before = billing.limits
    billing.limits = MoneyLimits(Decimal("999999999999.99"), Decimal("999999999999.99"))
    yield
    billing.limits = before


async def test_two_adjustments_of_999_999_999_999_99_are_refused_before_the_column_overflows(
        gateway_stack: StackHandle, center: Branch, wide_limits: Any) -> None:
    fam = await center.family()
    huge = {"familyId": fam.id, "amount": "999999999999.99", "reason": "probe"}
    await ok(center.admin, ADJUST, {"i": huge})
    second = await center.admin.execute(ADJUST, {"i": huge})
    assert not second.get("errors"), second
    assert second["data"]["adjustBalance"] == {"line": None, "errors": [{"code": "BALANCE_LIMIT_EXCEEDED",
                                                                         "field": "amount"}]}
    assert await balance(center, fam) == "999999999999.99"


async def test_the_default_maximum_per_operation(gateway_stack: StackHandle, center: Branch) -> None:
    fam = await center.family()
    huge = {"familyId": fam.id, "amount": "999999999999.99", "reason": "probe"}
    got = await center.admin.execute(ADJUST, {"i": huge})
    assert got["data"]["adjustBalance"]["errors"] == [{"code": "INVALID_AMOUNT", "field": "amount"}], got
    assert await balance(center, fam) == "0.00"


async def test_one_admins_idempotency_key_is_not_anothers(gateway_stack: StackHandle, center: Branch) -> None:
    fam = await center.family()

    def admin(name: str) -> GraphQLClient:
        return gateway_stack.client(Principal(user_id=f"{name}-{uuid.uuid4().hex[:6]}", role=Role.BRANCH_ADMIN,
                                              branch_ids=frozenset({center.id}), staff_id=name))

    a, b = admin("admin-a"), admin("admin-b")
    key = f"k-{uuid.uuid4()}"
    first = await ok(a, PAY, {"i": {"familyId": fam.id, "amount": "300.00", "method": "CASH", "idempotencyKey": key}})
    other = await ok(b, PAY, {"i": {"familyId": fam.id, "amount": "40.00", "method": "CARD", "idempotencyKey": key}})
    assert other["recordPayment"]["payment"]["amount"] == {"amount": "40.00"}
    assert other["recordPayment"]["payment"]["id"] != first["recordPayment"]["payment"]["id"]
    repeat = await ok(a, PAY, {"i": {"familyId": fam.id, "amount": "300.00", "method": "CASH", "idempotencyKey": key}})
    assert repeat == first
    assert await balance(center, fam) == "340.00"


def test_embedded_mode_makes_a_webhook_secret_per_data_directory(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BILLING_PAYMENT_WEBHOOK_SECRET", raising=False)
    messaging = MessagingSettings(amqp_url=None)
    one = Stack(tmp_path / "one", messaging=messaging).runtimes["billing"].payment_provider.secret
    again = Stack(tmp_path / "one", messaging=messaging).runtimes["billing"].payment_provider.secret
    two = Stack(tmp_path / "two", messaging=messaging).runtimes["billing"].payment_provider.secret
    assert one == again != two and len(one) >= 32 and one != "local-dev-secret"
    kept = tmp_path / "one" / "billing-payment-webhook-secret"
    assert kept.read_text().strip() == one
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
