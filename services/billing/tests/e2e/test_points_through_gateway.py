"""Each point of billing's issue through the gateway's /graphql on PostgreSQL + RabbitMQ, with tokens for a
branch admin, a guardian, a teacher and the owner: the shared family ledger, subscriptions, charges from
scheduling's real mutations, discounts, manual adjustments, payments/invoices/refunds/debtors/online webhook,
the branch report, the events on the bus, and a guardian who never sees another family's money."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from billing.adapters.tables import outbox as billing_outbox
from identity.adapters.tables import inbox as identity_inbox
from kabinet.testing.stack import GraphQLClient, eventually
from kabinet_stack.testing import StackHandle

from .conftest import Branch, Fam, new_branch, ok

PAY = """mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { payment { id amount { amount } }
  balanceAfter { amount } errors { code field } } }"""
PLAN = """mutation($i: CreateSubscriptionPlanInput!) { createSubscriptionPlan(input: $i) {
  subscriptionPlan { id } errors { code message } } }"""
SUB_FIELDS = "subscription { id lessonsLeft status onCredit trial validUntil } balanceAfter { amount } errors { code }"
SELL = f"mutation($i: SellSubscriptionInput!) {{ sellSubscription(input: $i) {{ {SUB_FIELDS} }} }}"
FREEZE = f"mutation($s: ID!) {{ freezeSubscription(subscriptionId: $s) {{ {SUB_FIELDS} }} }}"
UNFREEZE = f"mutation($s: ID!) {{ unfreezeSubscription(subscriptionId: $s) {{ {SUB_FIELDS} }} }}"
CLOSE = f"mutation($s: ID!) {{ closeSubscription(subscriptionId: $s) {{ {SUB_FIELDS} }} }}"
DISCOUNT = """mutation($i: CreateDiscountInput!) { createDiscount(input: $i) { discount { id } errors { code } } }"""
ADJUST = """mutation($i: AdjustBalanceInput!) { adjustBalance(input: $i) { line { kind description amount { amount }
  createdBy at } errors { code field } } }"""
INVOICE = """mutation($i: IssueInvoiceInput!) { issueInvoice(input: $i) { invoice { id status } errors { code } } }"""
REFUND = """mutation($i: RefundPaymentInput!) { refundPayment(input: $i) { payment { refunded { amount } }
  balanceAfter { amount } errors { code } } }"""
START_ONLINE = """mutation($i: StartOnlinePaymentInput!) { startOnlinePayment(input: $i) {
  checkout { providerPaymentId confirmationUrl } errors { code } } }"""
CREATE_LESSON = """mutation($i: CreateLessonInput!) { createLesson(input: $i) {
  lesson { id } errors { code message } } }"""
CANCEL_LESSON = """mutation($l: ID!) { cancelLesson(lessonId: $l, reason: "teacher ill") {
  lessons { id status } errors { code } } }"""
CABINET = """{ myFamily { id remainingLessons account { balance { amount currency } inDebt }
  statement(first: 100) { edges { node { kind description amount { amount } balanceAfter { amount } lessonId
    subscriptionId paymentId debt lessonsDelta createdBy discount { name amount { amount } } } } }
  students { id remainingLessons familyRemainingLessons familyBalance { amount }
    subscriptions { id status lessonsLeft } } } }"""

FIRST_LESSON = datetime(2027, 5, 3, 9, 0, tzinfo=UTC)
_day = [0]  # the day offset of the next lesson


def next_lesson_day() -> date:
    return (FIRST_LESSON + timedelta(days=_day[0])).date()


def lesson_slot() -> tuple[str, str]:
    """A fresh day for each lesson, so a branch's one teacher is never booked twice at once."""
    start = FIRST_LESSON + timedelta(days=_day[0])
    _day[0] += 1
    return start.isoformat(), (start + timedelta(hours=1)).isoformat()


async def create_lesson(b: Branch, students: tuple[str, ...], *, lesson_type: str = "individual",
                        price: str = "1500") -> tuple[str, date]:
    """A published lesson made by scheduling's real mutation; scheduling publishes it, billing charges it."""
    starts, ends = lesson_slot()
    got = await ok(b.admin, CREATE_LESSON, {"i": {"branchId": b.id, "teacherId": b.teacher_id,
                                                  "lessonType": lesson_type, "startsAt": starts, "endsAt": ends,
                                                  "price": price, "studentIds": list(students)}})
    return got["createLesson"]["lesson"]["id"], datetime.fromisoformat(starts).date()


async def cabinet(b: Branch, fam: Fam) -> dict[str, Any]:
    return dict((await ok(b.guardian(fam), CABINET))["myFamily"])


def lines(cab: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["node"] for e in cab["statement"]["edges"]]


async def pay(b: Branch, fam: Fam, amount: str, method: str = "CASH", **extra: Any) -> dict[str, Any]:
    got = await ok(b.admin, PAY, {"i": {"familyId": fam.id, "amount": amount, "method": method,
                                        "branchId": b.id, **extra}})
    return dict(got["recordPayment"])


async def plan(b: Branch, name: str, *, lessons: int | None, price: str, types: list[str],
               trial: bool = False) -> str:
    got = await ok(b.admin, PLAN, {"i": {"name": name, "lessons": lessons, "validityDays": 30, "price": price,
                                         "lessonTypes": types, "trial": trial, "branchId": b.id}})
    return str(got["createSubscriptionPlan"]["subscriptionPlan"]["id"])


async def settled(b: Branch, fam: Fam, amount: str) -> None:
    """Wait until the events in flight reached billing and the family's balance is ``amount``."""
    async def reached() -> bool:
        got = await b.guardian(fam).execute("{ myFamily { account { balance { amount } } } }")
        account: dict[str, Any] = ((got.get("data") or {}).get("myFamily") or {}).get("account") or {}
        return bool(account) and account["balance"]["amount"] == amount

    await b.h.drain()
    try:
        # Generous: events cross three services; under load the chain can take tens of seconds.
        await eventually(reached, timeout_s=60, message=f"balance reached {amount}")
    except TimeoutError:
        raise AssertionError(f"balance never reached {amount}: {lines(await cabinet(b, fam))}") from None


def code(got: dict[str, Any]) -> str:
    return str(got["errors"][0]["extensions"]["code"])


# (1) Ledger -------------------------------------------------------------------------------------------------

async def test_one_family_account_shared_by_children_with_statement_and_exact_cache(center: Branch) -> None:
    fam = await center.family(children=2)
    key = str(uuid.uuid4())
    first = await pay(center, fam, "3000.00", "CARD", idempotencyKey=key)
    again = await pay(center, fam, "3000.00", "CARD", idempotencyKey=key)  # a retry: same answer, one payment
    assert first == again and first["balanceAfter"] == {"amount": "3000.00"}
    reused = await center.admin.execute(PAY, {"i": {"familyId": fam.id, "amount": "3100.00", "method": "CARD",
                                                    "branchId": center.id, "idempotencyKey": key}})
    assert reused["data"]["recordPayment"]["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"

    cab = await cabinet(center, fam)
    assert cab["account"] == {"balance": {"amount": "3000.00", "currency": "RUB"}, "inDebt": False}
    assert [s["familyBalance"] for s in cab["students"]] == [{"amount": "3000.00"}] * 2  # R-BIL-1
    assert [(ln["kind"], ln["amount"]["amount"], ln["paymentId"]) for ln in lines(cab)] == [
        ("payment", "3000.00", first["payment"]["id"])]
    assert await center.balances(fam.id) == (Decimal("3000.00"), Decimal("3000.00"))


# (2) Subscriptions --------------------------------------------------------------------------------------------

async def test_subscriptions_paid_on_credit_trial_freeze_close_and_remaining_on_every_child(center: Branch) -> None:
    fam = await center.family(children=2)
    masha, petya = fam.student_ids
    await pay(center, fam, "5000.00")
    eight = await plan(center, "8 lessons", lessons=8, price="4000", types=["individual"])
    trial = await plan(center, "Trial", lessons=1, price="0", types=["trial"], trial=True)

    paid = (await ok(center.admin, SELL, {"i": {"planId": eight, "studentId": masha,
                                                "idempotencyKey": str(uuid.uuid4())}}))["sellSubscription"]
    assert paid["subscription"]["lessonsLeft"] == 8 and paid["balanceAfter"] == {"amount": "1000.00"}
    credit = (await ok(center.admin, SELL, {"i": {"planId": eight, "studentId": petya, "onCredit": True,
                                                  "idempotencyKey": str(uuid.uuid4())}}))["sellSubscription"]
    assert credit["subscription"]["onCredit"] and credit["balanceAfter"] == {"amount": "-3000.00"}
    tried = (await ok(center.admin, SELL, {"i": {"planId": trial, "studentId": masha}}))["sellSubscription"]
    assert tried["subscription"]["trial"] and tried["balanceAfter"] == {"amount": "-3000.00"}

    cab = await cabinet(center, fam)
    kids = {s["id"]: s for s in cab["students"]}
    assert kids[masha]["remainingLessons"] == 9 and kids[petya]["remainingLessons"] == 8
    # The family total is visible on every child's profile (R-BIL-1).
    assert kids[masha]["familyRemainingLessons"] == kids[petya]["familyRemainingLessons"] == 17
    assert cab["remainingLessons"] == 17
    assert kids[masha]["familyBalance"] == kids[petya]["familyBalance"] == {"amount": "-3000.00"}
    assert cab["account"]["inDebt"] is True

    sub = paid["subscription"]
    frozen = (await ok(center.admin, FREEZE, {"s": sub["id"]}))["freezeSubscription"]["subscription"]
    assert frozen["status"] == "frozen"
    thawed = (await ok(center.admin, UNFREEZE, {"s": sub["id"]}))["unfreezeSubscription"]["subscription"]
    assert thawed["status"] == "active" and thawed["validUntil"] >= sub["validUntil"]

    # Closing refunds the unused lessons: all 8 of Petya's, at the plan's price per lesson.
    closed = (await ok(center.admin, CLOSE, {"s": credit["subscription"]["id"]}))["closeSubscription"]
    assert closed["subscription"]["status"] == "closed"
    cab = await cabinet(center, fam)
    assert cab["account"]["balance"]["amount"] == "1000.00"
    assert {s["id"]: s["remainingLessons"] for s in cab["students"]} == {masha: 9, petya: 0}
    assert {s["familyRemainingLessons"] for s in cab["students"]} == {9} and cab["remainingLessons"] == 9
    kinds = [ln["kind"] for ln in lines(cab)]
    assert kinds.count("subscription_sale") >= 2 and cab["account"]["inDebt"] is False
    assert await center.balances(fam.id) == (Decimal("1000.00"), Decimal("1000.00"))
    # A guardian cannot sell, freeze or close.
    for query, variables in ((SELL, {"i": {"planId": eight, "studentId": masha}}), (FREEZE, {"s": sub["id"]}),
                             (CLOSE, {"s": sub["id"]})):
        assert code(await center.guardian(fam).execute(query, variables)) == "FORBIDDEN"


# (3) Charges from lessons --------------------------------------------------------------------------------------

async def test_lessons_from_scheduling_charge_makeup_free_and_cancel_refunds(center: Branch) -> None:
    fam = await center.family(children=2)
    payer, subscriber = fam.student_ids
    await pay(center, fam, "2000.00")
    lesson, _ = await create_lesson(center, (payer,), price="1500")
    await settled(center, fam, "500.00")
    lesson2, _ = await create_lesson(center, (payer,), price="1500")
    await settled(center, fam, "-1000.00")  # beyond the balance: recorded as debt, never skipped
    cab = await cabinet(center, fam)
    charges = [ln for ln in lines(cab) if ln["kind"] == "lesson_charge"]
    assert [(c["lessonId"], c["debt"]) for c in charges] == [(lesson, False), (lesson2, True)]

    # Paid from a subscription: a credit, no money; a make-up is not charged at all.
    sold = await ok(center.admin, SELL, {"i": {"planId": await plan(center, "4 ind", lessons=4, price="0",
                                                                   types=["individual"]),
                                               "studentId": subscriber,
                                               "startsOn": next_lesson_day().isoformat()}})
    sub = sold["sellSubscription"]["subscription"]["id"]
    from_sub, _ = await create_lesson(center, (subscriber,), price="1500")
    await create_lesson(center, (subscriber,), lesson_type="makeup", price="1500")
    await settled(center, fam, "-1000.00")

    async def credit_used() -> bool:
        return {s["id"]: s["remainingLessons"] for s in (await cabinet(center, fam))["students"]}[subscriber] == 3

    await eventually(credit_used, timeout_s=20, message="the lesson took a credit")
    sub_lines = [ln for ln in lines(await cabinet(center, fam)) if ln["lessonId"] == from_sub]
    assert [(ln["subscriptionId"], ln["amount"]["amount"], ln["lessonsDelta"]) for ln in sub_lines] == [
        (sub, "0.00", -1)]
    assert len([ln for ln in lines(await cabinet(center, fam)) if ln["kind"] == "lesson_charge"]) == 3

    # Cancelling refunds: the money lesson's 1500 and the subscription lesson's credit.
    await ok(center.admin, CANCEL_LESSON, {"l": lesson2})
    await ok(center.admin, CANCEL_LESSON, {"l": from_sub})
    await settled(center, fam, "500.00")

    async def credit_back() -> bool:
        return {s["id"]: s["remainingLessons"] for s in (await cabinet(center, fam))["students"]}[subscriber] == 4

    await eventually(credit_back, timeout_s=20, message="the credit came back")
    refunds = [ln for ln in lines(await cabinet(center, fam)) if ln["kind"] == "lesson_refund"]
    assert sorted(ln["lessonId"] for ln in refunds) == sorted([lesson2, from_sub])
    assert await center.balances(fam.id) == (Decimal("500.00"), Decimal("500.00"))


# (4) Discounts -------------------------------------------------------------------------------------------------

async def test_largest_discount_wins_statement_names_it_and_a_free_day(center: Branch) -> None:
    fam = await center.family()
    kid = fam.student_ids[0]
    await pay(center, fam, "5000.00")
    for d in ({"name": "Siblings 10%", "scope": "FAMILY", "target": fam.id, "kind": "PERCENT", "value": "10"},
              {"name": "Loyal 300", "scope": "STUDENT", "target": kid, "kind": "FIXED", "value": "300"}):
        await ok(center.admin, DISCOUNT, {"i": {**d, "branchId": center.id}})
    first, _ = await create_lesson(center, (kid,), price="2000")
    await settled(center, fam, "3300.00")  # 2000 − max(10% = 200, 300)
    line = next(ln for ln in lines(await cabinet(center, fam)) if ln["lessonId"] == first)
    assert line["amount"] == {"amount": "-1700.00"} and line["discount"]["name"] == "Loyal 300"
    assert line["discount"]["amount"] == {"amount": "300.00"}

    # 100% on one date: the next lesson's day (create_lesson takes the next free day).
    free_day = next_lesson_day().isoformat()
    await ok(center.admin, DISCOUNT, {"i": {"name": "Birthday", "scope": "STUDENT", "target": kid,
                                            "kind": "PERCENT", "value": "100", "validFrom": free_day,
                                            "validTo": free_day, "branchId": center.id}})
    free, on = await create_lesson(center, (kid,), price="2000")
    assert on.isoformat() == free_day
    paid, _ = await create_lesson(center, (kid,), price="2000")  # the next day: the usual discount again
    await settled(center, fam, "1600.00")
    by_lesson = {ln["lessonId"]: ln for ln in lines(await cabinet(center, fam))}
    assert by_lesson[free]["amount"] == {"amount": "0.00"} and by_lesson[free]["discount"]["name"] == "Birthday"
    assert by_lesson[paid]["discount"]["name"] == "Loyal 300"
    assert code(await center.guardian(fam).execute(DISCOUNT, {"i": {
        "name": "Mine", "scope": "FAMILY", "target": fam.id, "kind": "PERCENT", "value": "100"}})) == "FORBIDDEN"


# (5) Manual adjustments ----------------------------------------------------------------------------------------

async def test_adjustments_by_branch_admins_only_and_in_history(gateway_stack: StackHandle, center: Branch) -> None:
    fam = await center.family()
    elsewhere = await new_branch(gateway_stack, "Elsewhere")
    data = {"familyId": fam.id, "amount": "500.00", "reason": "Referral bonus: brought a friend"}
    for refused in (center.guardian(fam), center.teacher, elsewhere.admin):
        assert code(await refused.execute(ADJUST, {"i": data})) == "FORBIDDEN"
    assert code(await gateway_stack.client().execute(ADJUST, {"i": data})) == "UNAUTHENTICATED"
    bad = await center.admin.execute(ADJUST, {"i": {**data, "reason": " "}})
    assert bad["data"]["adjustBalance"]["errors"] == [{"code": "INVALID_INPUT", "field": "reason"}]
    await ok(center.admin, ADJUST, {"i": data})
    await ok(center.admin, ADJUST, {"i": {**data, "amount": "-120.00", "reason": "Correction: double count"}})
    history = [ln for ln in lines(await cabinet(center, fam)) if ln["kind"] == "adjustment"]
    assert [(ln["amount"]["amount"], ln["balanceAfter"]["amount"]) for ln in history] == [
        ("500.00", "500.00"), ("-120.00", "380.00")]
    assert "Referral" in history[0]["description"] and all(ln["createdBy"] for ln in history)
    assert await center.balances(fam.id) == (Decimal("380.00"), Decimal("380.00"))


# (6) Payments, invoices, refunds, debtors, online payments -------------------------------------------------------

async def test_invoices_payments_refunds_debtors_and_online_webhook(gateway_stack: StackHandle,
                                                                     center: Branch) -> None:
    fam = await center.family()
    inv = (await ok(center.admin, INVOICE, {"i": {"familyId": fam.id, "description": "May", "amount": "3000.00",
                                                  "periodFrom": "2027-05-01", "periodTo": "2027-05-31",
                                                  "branchId": center.id}}))["issueInvoice"]["invoice"]
    assert inv["status"] == "issued"
    invoices = "query($f: ID!) { family(id: $f) { invoices { id status paid { amount } } } }"
    first = await pay(center, fam, "1000.00", "BANK_TRANSFER", invoiceId=inv["id"])
    assert (await ok(center.guardian(fam), invoices, {"f": fam.id}))["family"]["invoices"][0]["status"] \
        == "partly_paid"
    await pay(center, fam, "2000.00", "CARD", invoiceId=inv["id"])
    assert (await ok(center.guardian(fam), invoices, {"f": fam.id}))["family"]["invoices"] == [
        {"id": inv["id"], "status": "paid", "paid": {"amount": "3000.00"}}]
    cancelled = await ok(center.admin, INVOICE, {"i": {"familyId": fam.id, "description": "Books",
                                                       "amount": "100.00", "branchId": center.id}})
    got = await center.admin.execute("mutation($i: ID!) { cancelInvoice(invoiceId: $i) { invoice { status } } }",
                                     {"i": cancelled["issueInvoice"]["invoice"]["id"]})
    assert got["data"]["cancelInvoice"]["invoice"]["status"] == "cancelled"

    refund = {"paymentId": first["payment"]["id"], "amount": "400.00", "reason": "moved away",
              "idempotencyKey": str(uuid.uuid4())}
    r1 = await ok(center.admin, REFUND, {"i": refund})
    assert r1 == await ok(center.admin, REFUND, {"i": refund})  # a retry: one refund
    assert r1["refundPayment"]["balanceAfter"] == {"amount": "2600.00"}
    assert code(await center.guardian(fam).execute(REFUND, {"i": {**refund, "idempotencyKey": "g"}})) == "FORBIDDEN"

    # Online: the guardian starts it; money only when the provider's signed notification reaches billing's
    # webhook, which the stack serves under /services/billing/.
    started = await ok(center.guardian(fam), START_ONLINE, {"i": {"familyId": fam.id, "amount": "1500.00"}})
    checkout = started["startOnlinePayment"]["checkout"]
    provider = gateway_stack.runtime("billing").payment_provider
    body, headers = provider.notification(checkout["providerPaymentId"])
    http = gateway_stack._client._client
    url = "/services/billing/webhooks/payments/local"
    assert (await http.post(url, content=body, headers={**headers, "content-hmac": "AAAA"})).status_code == 401
    for _ in range(3):  # providers repeat until they get a 2xx
        assert (await http.post(url, content=body, headers=headers)).status_code == 200
    changed, h2 = provider.notification(checkout["providerPaymentId"], amount=Decimal("9999.00"))
    assert (await http.post(url, content=changed, headers=h2)).status_code == 409
    assert await center.balances(fam.id) == (Decimal("4100.00"), Decimal("4100.00"))
    payments = (await ok(center.guardian(fam), "{ myFamily { payments { method amount { amount }"
                                               " refunded { amount } } } }"))["myFamily"]["payments"]
    assert sorted((p["method"], p["amount"]["amount"]) for p in payments) == [
        ("bank_transfer", "1000.00"), ("card", "2000.00"), ("online", "1500.00")]

    debtor = await center.family()
    await create_lesson(center, debtor.student_ids, price="700")
    await settled(center, debtor, "-700.00")
    debtors = (await ok(center.admin, "query($b: ID!) { debtors(branchId: $b) { familyId balance { amount } } }",
                        {"b": center.id}))["debtors"]
    assert {"familyId": debtor.id, "balance": {"amount": "-700.00"}} in debtors
    assert fam.id not in {d["familyId"] for d in debtors}
    assert code(await center.guardian(fam).execute("query($b: ID!) { debtors(branchId: $b) { familyId } }",
                                                   {"b": center.id})) == "FORBIDDEN"


# (7) Branch report ------------------------------------------------------------------------------------------------

async def test_branch_report_numbers(gateway_stack: StackHandle) -> None:
    b = await new_branch(gateway_stack, "Report branch")  # its own branch: the numbers are exact
    since = datetime.now(UTC) - timedelta(minutes=1)
    rich, poor = await b.family(), await b.family()
    await pay(b, rich, "5000.00")
    await ok(b.admin, SELL, {"i": {"planId": await plan(b, "4 ind", lessons=4, price="4000", types=["individual"]),
                                   "studentId": rich.student_ids[0], "startsOn": next_lesson_day().isoformat()}})
    await create_lesson(b, rich.student_ids, price="1000")  # from the subscription
    await create_lesson(b, poor.student_ids, price="700")  # in money, into debt
    await settled(b, poor, "-700.00")
    await settled(b, rich, "1000.00")
    report = await ok(b.admin, """query($b: ID!, $s: DateTime!, $u: DateTime!) {
      branchBillingReport(branchId: $b, since: $s, until: $u) { revenue { amount } payments { amount }
      refunds { amount } debts { amount } debtors subscriptionsSold subscriptionsAmount { amount }
      lessonsCharged lessonsAmount { amount } lessonsFromSubscriptions } }""",
                      {"b": b.id, "s": since.isoformat(), "u": (datetime.now(UTC) + timedelta(minutes=1)).isoformat()})
    assert report["branchBillingReport"] == {
        "revenue": {"amount": "4700.00"}, "payments": {"amount": "5000.00"}, "refunds": {"amount": "0.00"},
        "debts": {"amount": "700.00"}, "debtors": 1, "subscriptionsSold": 1,
        "subscriptionsAmount": {"amount": "4000.00"}, "lessonsCharged": 2, "lessonsAmount": {"amount": "700.00"},
        "lessonsFromSubscriptions": 1}
    other = await new_branch(gateway_stack, "Not mine")
    got = await other.admin.execute("""query($b: ID!, $s: DateTime!, $u: DateTime!) {
      branchBillingReport(branchId: $b, since: $s, until: $u) { revenue { amount } } }""",
                                    {"b": b.id, "s": since.isoformat(), "u": datetime.now(UTC).isoformat()})
    assert code(got) == "FORBIDDEN"


# (8) Events -----------------------------------------------------------------------------------------------------

async def test_events_go_through_the_outbox_onto_the_bus(gateway_stack: StackHandle) -> None:
    """By now the module's tests made every kind of operation; each left its event in billing's outbox, the
    outbox published it, and identity received subscription.sold (it opens the cabinet on it, R-FAM-7)."""
    await gateway_stack.drain()
    async with gateway_stack.runtime("billing").sessionmaker() as s:
        rows = (await s.execute(select(billing_outbox.c.id, billing_outbox.c.routing_key,
                                       billing_outbox.c.published_at))).all()
    keys = {r.routing_key for r in rows}
    for expected in ("account.opened", "balance.changed", "payment.received", "payment.refunded",
                     "lesson.charged", "charge.refunded", "adjustment.made", "subscription.sold",
                     "subscription.frozen", "subscription.unfrozen", "subscription.closed", "invoice.issued",
                     "invoice.paid"):
        assert f"billing.{expected}.v1" in keys, (expected, sorted(keys))
    assert all(r.published_at is not None for r in rows)
    sold = {r.id for r in rows if r.routing_key == "billing.subscription.sold.v1"}
    async with gateway_stack.runtime("identity").sessionmaker() as s:
        received = set((await s.execute(select(identity_inbox.c.event_id))).scalars())
    assert sold and sold <= received


# A guardian never sees another family's money ---------------------------------------------------------------------

async def test_a_guardian_never_sees_another_familys_money(center: Branch) -> None:
    fam, other = await center.family(children=2), await center.family()
    await pay(center, fam, "7777.00")
    inv = await ok(center.admin, INVOICE, {"i": {"familyId": fam.id, "description": "June", "amount": "7777.00",
                                                 "branchId": center.id}})
    sold = await ok(center.admin, SELL, {"i": {"planId": await plan(center, "secret", lessons=3, price="1000",
                                                                   types=["individual"]),
                                               "studentId": fam.student_ids[0]}})
    sub = sold["sellSubscription"]["subscription"]["id"]
    stranger: GraphQLClient = center.guardian(other)
    f, s = fam.id, fam.student_ids[0]
    probes: list[tuple[str, dict[str, Any]]] = [
        ("query($f: ID!) { family(id: $f) { account { balance { amount } } statement { edges { node { kind } } }"
         " payments { id } invoices { id } subscriptions { id } } }", {"f": f}),
        ("query($s: ID!) { student(id: $s) { remainingLessons familyBalance { amount } subscriptions { id } } }",
         {"s": s}),
        ("query($f: ID!) { familyAccount(familyId: $f) { balance { amount } } }", {"f": f}),
        ("query($f: ID!) { familyStatement(familyId: $f) { edges { node { amount { amount } } } } }", {"f": f}),
        ("query($f: ID!) { familyPayments(familyId: $f) { amount { amount } } }", {"f": f}),
        ("query($f: ID!) { familyInvoices(familyId: $f) { amount { amount } } }", {"f": f}),
        ("query($s: ID!) { studentSubscriptions(studentId: $s) { id price { amount } } }", {"s": s}),
        ("query($b: ID!) { debtors(branchId: $b) { familyId } }", {"b": center.id}),
        ("{ students { id remainingLessons familyBalance { amount } } }", {}),
        ("mutation($f: ID!) { startOnlinePayment(input: {familyId: $f, amount: \"1\"}) { checkout "
         "{ providerPaymentId } } }", {"f": f}),
        ("mutation($i: ID!) { cancelInvoice(invoiceId: $i) { invoice { amount { amount } } } }",
         {"i": inv["issueInvoice"]["invoice"]["id"]}),
        ("mutation($s: ID!) { freezeSubscription(subscriptionId: $s) { subscription { id } } }", {"s": sub}),
    ]
    for query, variables in probes:
        got = await stranger.execute(query, variables)
        text = str(got.get("data"))
        assert "7777" not in text and "6777" not in text and sub not in text and f not in text, (query, got)
        leaked_student = (got.get("data") or {}).get("student")
        assert not leaked_student or leaked_student.get("familyBalance") is None, (query, got)
    own = (await ok(stranger, "{ myFamily { account { balance { amount } } students { familyBalance { amount } } } }"))
    assert own["myFamily"]["account"]["balance"] == {"amount": "0.00"}
    assert own["myFamily"]["students"] == [{"familyBalance": {"amount": "0.00"}}]
