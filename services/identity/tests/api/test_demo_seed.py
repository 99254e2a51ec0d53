"""The demo seeder the embedded stack calls: three branches in different time zones, staff logins, families with
several children, all through the use cases (events in the outbox); calling it twice changes nothing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from identity_testkit import MY_FAMILY, SIGN_IN_CODE, SIGN_IN_PASSWORD, Env

from identity import demo
from identity.bootstrap import build_runtime, create_app
from identity.settings import IdentitySettings
from kabinet.bus.memory import InProcessTransport
from kabinet.testing.stack import GraphQLClient, running


async def test_demo_seed_on_postgres(env: Env) -> None:
    seeded = await demo.seed(env.runtime)
    assert len(seeded.branch_ids) == 3
    zones = (await env.ok("{ branches { timeZone } }", who=_owner(env)))["branches"]
    assert {z["timeZone"] for z in zones} == {"Europe/Moscow", "Asia/Yekaterinburg", "Europe/Kaliningrad"}
    staff = await env.ok(SIGN_IN_PASSWORD, {"l": seeded.admin_emails["ekb"], "pw": seeded.staff_password})
    assert staff["signInWithPassword"]["session"]["role"] == "branch_admin"
    phone = next(iter(seeded.family_ids))
    signed = await env.gql("mutation($p: String!) { requestSignInCode(phone: $p) { ok } }", {"p": phone})
    assert signed["data"]["requestSignInCode"]["ok"] is True
    session = await env.ok(SIGN_IN_CODE, {"p": phone, "c": seeded.guardian_code or env.last_code(phone)})
    cabinet = (await env.ok(MY_FAMILY, who=session["signInWithCode"]["session"]["accessToken"]))["myFamily"]
    assert len(cabinet["students"]) == 3  # the child switch has something to switch
    assert len(await env.events("identity.student.registered.v1")) >= 10
    child = await env.ok(SIGN_IN_PASSWORD, {"l": demo.DEMO_STUDENT_LOGIN, "pw": seeded.staff_password})
    assert child["signInWithPassword"]["session"]["role"] == "student"
    assert any(demo.DEMO_STUDENT_LOGIN in line for line in seeded.logins())
    again = await demo.seed(env.runtime)
    assert again.family_ids == seeded.family_ids and again.branch_ids == seeded.branch_ids
    assert again.student_login == demo.DEMO_STUDENT_LOGIN


def _owner(env: Env) -> str:
    from identity_testkit import OWNER

    from kabinet.testing.stack import token_for

    return token_for(env.runtime.signing_key, OWNER)


async def test_demo_seed_in_embedded_mode_signs_in_with_the_fixed_dev_code(tmp_path: Path) -> None:
    """``make run``: SQLite file and the in-process bus; the demo guardian code works with the dev mailbox."""
    runtime = build_runtime(IdentitySettings(data_dir=tmp_path, argon2_time_cost=1, argon2_memory_kib=1024,
                                             argon2_parallelism=1, dev_mailbox=True),
                            transport=InProcessTransport())
    async with running(runtime, migrate=False):
        seeded = await demo.seed(runtime)
        assert seeded.guardian_code == demo.DEMO_CODE
        client = GraphQLClient(create_app(runtime=runtime, manage_runtime=False))
        phone = "+79000000002"
        await client.execute("mutation($p: String!) { requestSignInCode(phone: $p) { ok } }", {"p": phone})
        got = await client.execute(SIGN_IN_CODE, {"p": phone, "c": demo.DEMO_CODE})
        token = got["data"]["signInWithCode"]["session"]["accessToken"]
        kids = (await client.as_(token).execute(MY_FAMILY))["data"]["myFamily"]["students"]
        assert len(kids) == 2
        page = await client.get("/dev/messages")
        assert page.status_code == 200 and demo.DEMO_CODE in page.text
        await client.aclose()


async def test_demo_leads_are_worked_in_embedded_mode(tmp_path: Path) -> None:
    """The demo leads on SQLite (its migrations): the Moscow admin lists them, wins one into a new family
    (its child's age known, the birth date given at the win) and reads the month's funnel."""
    runtime = build_runtime(IdentitySettings(data_dir=tmp_path, argon2_time_cost=1, argon2_memory_kib=1024,
                                             argon2_parallelism=1, dev_mailbox=True),
                            transport=InProcessTransport())
    async with running(runtime, migrate=False):
        seeded = await demo.seed(runtime)
        client = GraphQLClient(create_app(runtime=runtime, manage_runtime=False))
        got = await client.execute(SIGN_IN_PASSWORD, {"l": seeded.admin_emails["msk"], "pw": seeded.staff_password})
        admin = client.as_(got["data"]["signInWithPassword"]["session"]["accessToken"])
        msk = seeded.branch_ids["msk"]
        listed = (await admin.execute("""query($b: ID!) { branchLeads(branchId: $b) {
            edges { node { id stage revision } } } }""", {"b": msk}))["data"]["branchLeads"]
        listed = [e["node"] for e in listed["edges"]]
        assert sorted(x["stage"] for x in listed) == ["CONTACTED", "LOST", "NEW", "TRIAL_BOOKED"]
        trial = next(x for x in listed if x["stage"] == "TRIAL_BOOKED")
        won = (await admin.execute("""mutation($i: WinLeadInput!) { winLead(input: $i) {
            status lead { stage familyId } errors { code } } }""", {"i": {
            "leadId": trial["id"], "expectedRevision": trial["revision"], "consentSigned": True,
            "childBirthDate": "2018-05-05", "contactLastName": "Belova", "idempotencyKey": "demo-win"}}))
        assert won["data"]["winLead"]["status"] == "DONE", won
        assert won["data"]["winLead"]["lead"]["familyId"]
        created = (await admin.execute("""query($b: ID!) { branchLeads(branchId: $b) {
            edges { node { createdAt } } } }""", {"b": msk}))["data"]["branchLeads"]["edges"][0]["node"]["createdAt"]
        month = f"{datetime.fromisoformat(created).astimezone(ZoneInfo('Europe/Moscow')):%Y-%m}"  # the branch's
        funnel = (await admin.execute("""query($b: ID!, $m: String!) { leadFunnel(branchId: $b, month: $m) {
            created won lost lostReasons { reason count } } }""", {"b": msk, "m": month}))["data"]["leadFunnel"]
        assert funnel == {"created": 4, "won": 1, "lost": 1,
                          "lostReasons": [{"reason": "The schedule does not fit", "count": 1}]}
        await client.aclose()
