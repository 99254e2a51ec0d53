"""The demo `make run` seeds is a school in order (issue #11, point 8): packages sold before the lessons
charged from them, the siblings' discount on the lines charged in money, and only the one named debtor owes."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from billing.adapters.tables import accounts, ledger_transactions, lesson_charges, subscriptions
from identity import demo as identity_demo
from kabinet_stack import demo
from kabinet_stack.testing import StackHandle


async def test_demo_families_are_not_in_debt_and_packages_are_used(embedded_stack: StackHandle) -> None:
    seeded = await demo.seed(embedded_stack.stack)
    ident = seeded["identity"]
    debtor = ident.debtor_family_id
    assert debtor is not None
    assert any("debtor" in line and identity_demo.DEBTOR_PHONE in line for line in ident.logins())
    assert not any("(1 children)" in line for line in ident.logins())  # point 20

    async with embedded_stack.runtime("billing").sessionmaker() as s:
        balances = {r.family_id: r.balance for r in await s.execute(select(accounts))}
        subs = (await s.execute(select(subscriptions))).all()
        lines = (await s.execute(select(ledger_transactions))).all()
        charged_from = set((await s.execute(select(lesson_charges.c.subscription_id))).scalars())
    assert set(balances) == set(ident.family_ids.values())
    owing = {f for f, b in balances.items() if b < 0}
    assert owing == {debtor}, balances
    for sub in subs:  # every package was sold before the lessons and pays for them
        assert sub.lessons_total is None or sub.lessons_left < sub.lessons_total, sub
        assert sub.id in charged_from, sub
    siblings = [t for t in lines if t.discount_name == "Siblings −10%"]
    assert siblings and all(t.discount_amount > 0 and t.kind == "lesson_charge" for t in siblings)
    families_with_siblings = {f for phone, f in ident.family_ids.items() if len(ident.student_ids[phone]) > 1}
    money_lines = {t.family_id for t in lines if t.kind == "lesson_charge" and t.amount < 0}
    assert money_lines & families_with_siblings <= {t.family_id for t in siblings}

    # The first demo guardian, as the cabinet shows it.
    client = embedded_stack.client()
    phone = identity_demo.FAMILIES[0][0]
    await client.execute("mutation($p: String!) { requestSignInCode(phone: $p) { ok } }", {"p": phone})
    signed = await client.execute(
        "mutation($p: String!, $c: String!) { signInWithCode(phone: $p, code: $c) "
        "{ session { accessToken } errors { code } } }", {"p": phone, "c": identity_demo.DEMO_CODE})
    token = signed["data"]["signInWithCode"]["session"]["accessToken"]
    cabinet = await client.as_(token).execute("{ myFamily { account { balance { amount } } } }")
    assert "errors" not in cabinet, cabinet
    assert Decimal(cabinet["data"]["myFamily"]["account"]["balance"]["amount"]) >= 0


async def test_a_question_from_a_childs_own_login_is_about_that_child(embedded_stack: StackHandle) -> None:
    """Point 17: the demo's student signs in with their own login and asks without naming themselves."""
    seeded = await demo.seed(embedded_stack.stack)
    ident = seeded["identity"]
    client = embedded_stack.client()
    signed = await client.execute(
        "mutation($l: String!, $pw: String!) { signInWithPassword(login: $l, password: $pw) "
        "{ session { accessToken } errors { code } } }", {"l": ident.student_login, "pw": ident.staff_password})
    token = signed["data"]["signInWithPassword"]["session"]["accessToken"]
    asked = await client.as_(token).execute(
        'mutation { askQuestion(input: {topic: "general", text: "When is the next lesson?"}) '
        "{ question { studentId } errors { code } } }")
    assert asked["data"]["askQuestion"]["errors"] == [], asked
    masha = ident.student_ids[identity_demo.FAMILIES[0][0]][0]
    assert asked["data"]["askQuestion"]["question"]["studentId"] == masha
