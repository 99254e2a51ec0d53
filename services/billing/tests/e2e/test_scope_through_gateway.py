"""Issue #10, point 6, through the gateway: an admin of branch A books no money to branch B (a payment, a charge,
an adjustment or an invoice with B's branchId changes B's report), and sells no subscription to a B student."""

from __future__ import annotations

from kabinet_stack.testing import StackHandle

from .conftest import new_branch, ok

REPORT = """query($b: ID!) { branchBillingReport(branchId: $b, since: "2020-01-01T00:00:00Z",
  until: "2100-01-01T00:00:00Z") { revenue { amount } payments { amount } refunds { amount } } }"""
ATTEMPTS = {
    "recordPayment": """mutation($f: ID!, $b: ID) { recordPayment(input: {familyId: $f, amount: "500", method: CASH,
        branchId: $b}) { errors { code } } }""",
    "chargeAccount": """mutation($f: ID!, $b: ID) { chargeAccount(input: {familyId: $f, amount: "50",
        description: "book", branchId: $b}) { errors { code } } }""",
    "adjustBalance": """mutation($f: ID!, $b: ID) { adjustBalance(input: {familyId: $f, amount: "70",
        reason: "bonus", branchId: $b}) { errors { code } } }""",
    "issueInvoice": """mutation($f: ID!, $b: ID) { issueInvoice(input: {familyId: $f, description: "x",
        amount: "90", branchId: $b}) { errors { code } } }""",
}


def code(result: dict) -> str | None:  # type: ignore[type-arg]
    errors = result.get("errors") or []
    return errors[0].get("extensions", {}).get("code") if errors else None


async def test_an_admin_books_no_money_to_another_branch(gateway_stack: StackHandle) -> None:
    a, b = await new_branch(gateway_stack, "Branch A"), await new_branch(gateway_stack, "Branch B")
    mine, theirs = await a.family(), await b.family()
    before = await ok(b.admin, REPORT, {"b": b.id})
    for name, mutation in ATTEMPTS.items():
        # The own family's money, booked to the other branch's report; and the other branch's family.
        for family, branch in ((mine.id, b.id), (theirs.id, a.id), (theirs.id, None)):
            got = await a.admin.execute(mutation, {"f": family, "b": branch})
            assert code(got) == "FORBIDDEN", (name, family, branch, got)
    plan = (await ok(a.owner, """mutation { createSubscriptionPlan(input: {name: "M", lessons: 4, validityDays: 30,
        price: "100", lessonTypes: ["group"]}) { subscriptionPlan { id } } }"""))[
        "createSubscriptionPlan"]["subscriptionPlan"]["id"]
    sold = await a.admin.execute("""mutation($p: ID!, $s: ID!) { sellSubscription(input: {planId: $p, studentId: $s,
        onCredit: true}) { errors { code } } }""", {"p": plan, "s": theirs.student_ids[0]})
    assert code(sold) == "FORBIDDEN", sold
    await gateway_stack.drain()
    assert await ok(b.admin, REPORT, {"b": b.id}) == before
    # The own branch still does all of it for its own family.
    for mutation in ATTEMPTS.values():
        await ok(a.admin, mutation, {"f": mine.id, "b": a.id})
