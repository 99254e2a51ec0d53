"""Leads (R-CRM-1, R-CRM-2): the pipeline and its validated moves, optimistic revisions, history, winning a lead
into a client and student through the staff registration (once per key; into the phone's existing family), the
monthly funnel, and who may see or change a lead."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from identity_testkit import OWNER, Env, admin_of, guardian_of, make_branch, make_family, new_phone
from sqlalchemy import func, select

from identity.adapters.tables import families, lead_changes, leads, students
from identity.domain.errors import StaleLeadRevision
from identity.domain.leads import LeadStage
from kabinet.auth import Principal, Role

LEAD_FIELDS = """id branchId stage revision contactFirstName contactLastName phone email childFirstName
  childLastName childBirthDate childAge interest source sourceDetail assignedStaffId notes lostReason familyId
  studentId createdAt updatedAt history { at by fromStage toStage note }"""
CREATE = f"""mutation($b: ID!, $i: LeadInput!) {{ createLead(branchId: $b, input: $i) {{
  lead {{ {LEAD_FIELDS} }} errors {{ field code message }} }} }}"""
UPDATE = f"""mutation($l: ID!, $r: Int!, $i: LeadInput!) {{ updateLead(leadId: $l, expectedRevision: $r, input: $i) {{
  lead {{ {LEAD_FIELDS} }} errors {{ field code message }} }} }}"""
MOVE = f"""mutation($l: ID!, $s: LeadStage!, $r: Int!, $why: String) {{
  moveLead(leadId: $l, stage: $s, expectedRevision: $r, lostReason: $why) {{
  lead {{ {LEAD_FIELDS} }} errors {{ field code message }} }} }}"""
WIN = f"""mutation($i: WinLeadInput!) {{ winLead(input: $i) {{
  status confirmationSent confirmation {{ id }} lead {{ {LEAD_FIELDS} }} errors {{ field code message }} }} }}"""
LEAD = f"""query($id: ID!) {{ lead(id: $id) {{ {LEAD_FIELDS} }} }}"""
BRANCH_LEADS = """query($b: ID!, $s: LeadStage, $q: String, $n: Int! = 20, $after: String) {
  branchLeads(branchId: $b, stage: $s, search: $q, first: $n, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id stage } } } }"""
FUNNEL = """query($b: ID!, $m: String!) { leadFunnel(branchId: $b, month: $m) { branchId month created won lost
  conversion stages { stage reached } lostReasons { reason count } } }"""
CONFIRM_REGISTRATION = """mutation($c: ID!, $code: String!) { confirmFamilyRegistration(confirmationId: $c,
  code: $code) { family { id } errors { field code } } }"""
FAMILY = """query($id: ID!) { family(id: $id) { id guardianPhone students { id firstName lastName birthDate } } }"""
TEACHER = Principal(user_id="t-9", role=Role.TEACHER, staff_id="t-9", branch_ids=frozenset())


def lead_input(phone: str | None = None, **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"contactFirstName": "Irina", "contactLastName": "Volkova", "phone": phone or new_phone(),
                            "childFirstName": "Misha", "childBirthDate": "2016-04-12", "interest": "English, B1",
                            "source": "SITE", "sourceDetail": "landing /english", "notes": "call after 18:00"}
    return base | over


async def create(env: Env, branch: str, who: Principal | None = None, **over: Any) -> dict[str, Any]:
    data = await env.ok(CREATE, {"b": branch, "i": lead_input(**over)}, who or admin_of(branch))
    return dict(data["createLead"]["lead"])


async def move(env: Env, lead: dict[str, Any], stage: str, who: Principal, why: str | None = None
               ) -> dict[str, Any]:
    got = await env.gql(MOVE, {"l": lead["id"], "s": stage, "r": lead["revision"], "why": why}, who)
    assert not got.get("errors"), got
    return dict(got["data"]["moveLead"])


async def listed_ids(env: Env, variables: dict[str, Any], who: Principal) -> list[str]:
    """The ids one page of branchLeads lists."""
    page = (await env.ok(BRANCH_LEADS, variables, who))["branchLeads"]
    return [e["node"]["id"] for e in page["edges"]]


async def count(env: Env, stmt: Any) -> int:
    async with env.runtime.sessionmaker() as s:
        return int((await s.execute(stmt)).scalar_one())


async def test_a_lead_is_recorded_with_a_normalised_phone_and_its_creation_in_the_history(env: Env) -> None:
    branch = await make_branch(env)
    lead = await create(env, branch, phone="8 (912) 345-67-01")
    assert lead["phone"] == "+79123456701" and lead["stage"] == "NEW" and lead["revision"] == 1
    assert lead["childAge"] is not None and lead["childBirthDate"] == "2016-04-12"
    assert [(h["fromStage"], h["toStage"]) for h in lead["history"]] == [(None, "NEW")]
    created = [e for e in await env.events("identity.lead.created.v1") if e["lead_id"] == lead["id"]]
    assert created == [{"lead_id": lead["id"], "branch_id": branch, "source": "site", "assigned_staff_id": None}]


async def test_bad_input_is_a_typed_error_and_records_nothing(env: Env) -> None:
    branch = await make_branch(env)
    before = await count(env, select(func.count()).select_from(leads))
    cases = [({"phone": "12"}, "INVALID_PHONE"), ({"childBirthDate": None, "childAge": None}, "INVALID_CHILD_AGE"),
             ({"childBirthDate": None, "childAge": 40}, "INVALID_CHILD_AGE"),
             ({"childBirthDate": "2016-02-30"}, "INVALID_BIRTH_DATE"), ({"email": "nope"}, "INVALID_EMAIL"),
             ({"contactFirstName": "  "}, "INVALID_NAME"),
             ({"assignedStaffId": str(uuid.uuid4())}, "STAFF_NOT_IN_BRANCH")]
    for over, code in cases:
        got = await env.gql(CREATE, {"b": branch, "i": lead_input(**over)}, admin_of(branch))
        assert got["data"]["createLead"]["errors"][0]["code"] == code, (over, got)
        assert got["data"]["createLead"]["lead"] is None
    assert await count(env, select(func.count()).select_from(leads)) == before


async def test_the_pipeline_moves_forward_or_to_lost_with_a_reason_and_keeps_every_change(env: Env) -> None:
    branch = await make_branch(env)
    admin = admin_of(branch, "admin-pipe")
    lead = await create(env, branch, admin)
    lead = (await move(env, lead, "CONTACTED", admin))["lead"]
    # A walk-in books a trial straight away: a stage may be skipped, never gone back to.
    lead = (await move(env, lead, "TRIAL_ATTENDED", admin))["lead"]
    for stage in ("CONTACTED", "NEW", "TRIAL_ATTENDED", "WON"):
        refused = await move(env, lead, stage, admin)
        assert refused["errors"][0]["code"] == "INVALID_LEAD_TRANSITION", stage
    assert (await move(env, lead, "LOST", admin))["errors"][0]["code"] == "LOST_REASON_REQUIRED"
    assert (await move(env, lead, "LOST", admin, "  "))["errors"][0]["code"] == "LOST_REASON_REQUIRED"
    lost = (await move(env, lead, "LOST", admin, "too expensive"))["lead"]
    assert lost["stage"] == "LOST" and lost["lostReason"] == "too expensive" and lost["revision"] == 4
    assert [(h["fromStage"], h["toStage"], h["by"]) for h in lost["history"]] == [
        (None, "NEW", "admin-pipe"), ("NEW", "CONTACTED", "admin-pipe"), ("CONTACTED", "TRIAL_ATTENDED", "admin-pipe"),
        ("TRIAL_ATTENDED", "LOST", "admin-pipe")]
    # Lost is final: no move, no edit, no win.
    assert (await move(env, lost, "CONTACTED", admin))["errors"][0]["code"] == "INVALID_LEAD_TRANSITION"
    edit = await env.gql(UPDATE, {"l": lost["id"], "r": lost["revision"], "i": lead_input()}, admin)
    assert edit["data"]["updateLead"]["errors"][0]["code"] == "INVALID_LEAD_TRANSITION"
    win = await env.gql(WIN, {"i": {"leadId": lost["id"], "expectedRevision": lost["revision"],
                                    "consentSigned": True}}, admin)
    assert win["data"]["winLead"]["errors"][0]["code"] == "INVALID_LEAD_TRANSITION"
    changed = [e for e in await env.events("identity.lead.stage_changed.v1") if e["lead_id"] == lead["id"]]
    assert [(e["from_stage"], e["to_stage"]) for e in changed] == [
        ("new", "contacted"), ("contacted", "trial_attended"), ("trial_attended", "lost")]
    assert changed[-1]["lost_reason"] == "too expensive"


async def test_a_change_on_an_old_revision_is_refused_and_two_admins_never_overwrite_each_other(env: Env) -> None:
    branch = await make_branch(env)
    lead = await create(env, branch)
    one, two = admin_of(branch, "admin-a"), admin_of(branch, "admin-b")
    got = await asyncio.gather(
        env.gql(MOVE, {"l": lead["id"], "s": "CONTACTED", "r": 1}, one),
        # Both moves keep the lead open, so the edit below holds whichever wins (a lost lead takes no edit).
        env.gql(MOVE, {"l": lead["id"], "s": "TRIAL_ATTENDED", "r": 1}, two))
    outcomes = sorted(bool(g["data"]["moveLead"]["lead"]) for g in got)
    assert outcomes == [False, True], got
    loser = next(g for g in got if not g["data"]["moveLead"]["lead"])
    assert loser["data"]["moveLead"]["errors"][0]["code"] == "STALE_LEAD_REVISION"
    now = (await env.ok(LEAD, {"id": lead["id"]}, one))["lead"]
    assert now["revision"] == 2 and len(now["history"]) == 2
    # An edit over the old revision is refused too, and changes nothing.
    stale = await env.gql(UPDATE, {"l": lead["id"], "r": 1, "i": lead_input(notes="mine")}, one)
    assert stale["data"]["updateLead"]["errors"][0]["code"] == "STALE_LEAD_REVISION"
    fresh = await env.ok(UPDATE, {"l": lead["id"], "r": 2, "i": lead_input(phone=now["phone"], notes="mine")}, one)
    edited = fresh["updateLead"]["lead"]
    assert edited["notes"] == "mine" and edited["revision"] == 3
    assert edited["history"][-1]["note"] == "edited: notes"


async def test_winning_registers_the_client_and_student_once_and_a_retry_answers_the_same(env: Env) -> None:
    branch = await make_branch(env)
    admin = admin_of(branch)
    phone = new_phone()
    lead = await create(env, branch, phone=phone, childLastName=None)
    win = {"leadId": lead["id"], "expectedRevision": 1, "consentSigned": True, "idempotencyKey": "win-1"}
    # Consent is the registration's rule: refused without it, and nothing is registered.
    refused = await env.gql(WIN, {"i": win | {"consentSigned": False}}, admin)
    assert refused["data"]["winLead"]["errors"][0]["code"] == "CONSENT_REQUIRED"
    assert await count(env, select(func.count()).select_from(families).where(families.c.guardian_phone == phone)) == 0
    first = (await env.ok(WIN, {"i": win}, admin))["winLead"]
    assert first["status"] == "DONE" and first["lead"]["stage"] == "WON"
    family_id, student_id = first["lead"]["familyId"], first["lead"]["studentId"]
    again = (await env.ok(WIN, {"i": win}, admin))["winLead"]
    assert (again["lead"]["familyId"], again["lead"]["studentId"]) == (family_id, student_id)
    family = (await env.ok(FAMILY, {"id": family_id}, admin))["family"]
    assert family["guardianPhone"] == phone
    # Nothing retyped: the child's surname defaults to the contact's.
    assert [(s["firstName"], s["lastName"], s["birthDate"]) for s in family["students"]] == [
        ("Misha", "Volkova", "2016-04-12")]
    registered = [e for e in await env.events("identity.student.registered.v1") if e["family_id"] == family_id]
    assert len(registered) == 1 and registered[0]["branch_id"] == branch
    won = [e for e in await env.events("identity.lead.won.v1") if e["lead_id"] == lead["id"]]
    assert won == [{"lead_id": lead["id"], "branch_id": branch, "family_id": family_id, "student_id": student_id}]
    # The same key for another request is refused; a new key on the won lead is an invalid move.
    reused = await env.gql(WIN, {"i": win | {"childLastName": "Other"}}, admin)
    assert reused["data"]["winLead"]["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    later = await env.gql(WIN, {"i": win | {"idempotencyKey": "win-2", "expectedRevision": 2}}, admin)
    assert later["data"]["winLead"]["errors"][0]["code"] == "INVALID_LEAD_TRANSITION"
    assert await count(env, select(func.count()).select_from(students).where(students.c.family_id == family_id)) == 1


async def test_winning_adds_the_child_to_the_phones_family_and_needs_a_birth_date_for_an_age(env: Env) -> None:
    branch = await make_branch(env)
    admin = admin_of(branch)
    family = await make_family(env, branch, kids=1)
    lead = await create(env, branch, phone=family["phone"], childFirstName="Sonya", childBirthDate=None, childAge=7,
                        childLastName="Petrova")
    win = {"leadId": lead["id"], "expectedRevision": 1, "consentSigned": True}
    need = await env.gql(WIN, {"i": win}, admin)
    assert need["data"]["winLead"]["errors"][0]["field"] == "childBirthDate"
    done = (await env.ok(WIN, {"i": win | {"childBirthDate": "2019-03-03"}}, admin))["winLead"]
    assert done["lead"]["familyId"] == family["id"]
    kids = (await env.ok(FAMILY, {"id": family["id"]}, admin))["family"]["students"]
    assert sorted(k["firstName"] for k in kids) == ["Kid0", "Sonya"]
    assert await count(env, select(func.count()).select_from(families)
                       .where(families.c.guardian_phone == family["phone"])) == 1


async def test_a_lead_for_a_child_already_in_the_family_is_linked_not_registered_twice(env: Env) -> None:
    branch = await make_branch(env)
    family = await make_family(env, branch, kids=1)  # Kid0 Petrova 2010-01-10
    lead = await create(env, branch, phone=family["phone"], childFirstName="kid0", childLastName="PETROVA",
                        childBirthDate="2010-01-10")
    done = (await env.ok(WIN, {"i": {"leadId": lead["id"], "expectedRevision": 1, "consentSigned": True}},
                         admin_of(branch)))["winLead"]
    assert done["lead"]["studentId"] == family["students"][0]["id"]
    assert await count(env, select(func.count()).select_from(students)
                       .where(students.c.family_id == family["id"])) == 1


async def test_winning_into_a_family_of_another_branch_asks_the_family_first(env: Env) -> None:
    home, other = await make_branch(env, "Home"), await make_branch(env, "Other")
    family = await make_family(env, home, kids=1)
    lead = await create(env, other, phone=family["phone"], childFirstName="Lena")
    got = (await env.ok(WIN, {"i": {"leadId": lead["id"], "expectedRevision": 1, "consentSigned": True}},
                        admin_of(other)))["winLead"]
    assert got["status"] == "PENDING_CONFIRMATION" and got["confirmationSent"]
    assert got["lead"]["stage"] == "NEW" and got["lead"]["familyId"] is None
    assert "confirm" in got["lead"]["history"][-1]["note"]
    # The family's code, entered at the desk, adds the child; winning again links it (no second child).
    confirmed = await env.gql(CONFIRM_REGISTRATION, {"c": got["confirmation"]["id"],
                                                     "code": env.last_code(family["phone"])}, admin_of(other))
    assert confirmed["data"]["confirmFamilyRegistration"]["errors"] == [], confirmed
    won = (await env.ok(WIN, {"i": {"leadId": lead["id"], "expectedRevision": 1, "consentSigned": True}},
                        admin_of(other)))["winLead"]
    assert won["status"] == "DONE" and won["lead"]["familyId"] == family["id"]
    kids = (await env.ok(FAMILY, {"id": family["id"]}, OWNER))["family"]["students"]
    assert sorted(k["firstName"] for k in kids) == ["Kid0", "Lena"]


async def test_the_funnel_counts_stages_reached_conversion_and_lost_reasons_per_month(env: Env) -> None:
    branch = await make_branch(env, "Funnel")
    admin = admin_of(branch)
    made = [await create(env, branch) for _ in range(5)]
    await move(env, made[0], "CONTACTED", admin)
    trial = (await move(env, made[1], "TRIAL_BOOKED", admin))["lead"]
    await move(env, trial, "LOST", admin, "Too expensive")
    await move(env, made[2], "LOST", admin, "too  expensive")
    await move(env, made[3], "LOST", admin, "moved away")
    await env.ok(WIN, {"i": {"leadId": made[4]["id"], "expectedRevision": 1, "consentSigned": True}}, admin)
    month = datetime.now(UTC).strftime("%Y-%m")
    funnel = (await env.ok(FUNNEL, {"b": branch, "m": month}, admin))["leadFunnel"]
    assert funnel["created"] == 5 and funnel["won"] == 1 and funnel["lost"] == 3
    assert funnel["conversion"] == 0.2
    assert {s["stage"]: s["reached"] for s in funnel["stages"]} == {
        "NEW": 5, "CONTACTED": 3, "TRIAL_BOOKED": 2, "TRIAL_ATTENDED": 1, "WON": 1}
    assert funnel["lostReasons"] == [{"reason": "Too expensive", "count": 2}, {"reason": "moved away", "count": 1}]
    empty = (await env.ok(FUNNEL, {"b": branch, "m": "2001-01"}, admin))["leadFunnel"]
    assert empty["created"] == 0 and empty["conversion"] == 0
    bad = await env.gql(FUNNEL, {"b": branch, "m": "January"}, admin)
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_only_the_branchs_admins_and_the_owner_see_or_change_its_leads(env: Env) -> None:
    branch, other = await make_branch(env, "Mine"), await make_branch(env, "Theirs")
    lead = await create(env, branch)
    family = await make_family(env, branch, kids=1)
    outsiders = [admin_of(other, "admin-other"), TEACHER, guardian_of(family["id"])]
    missing = str(uuid.uuid4())
    for who in outsiders:
        for doc, variables in [(LEAD, {"id": lead["id"]}), (LEAD, {"id": missing}),
                               (BRANCH_LEADS, {"b": branch}), (FUNNEL, {"b": branch, "m": "2026-12"})]:
            got = await env.gql(doc, variables, who)
            assert got["errors"][0]["extensions"]["code"] == "FORBIDDEN", (who.role, doc, got)
        for doc, variables, name in [
                (MOVE, {"l": lead["id"], "s": "CONTACTED", "r": 1}, "moveLead"),
                (MOVE, {"l": missing, "s": "CONTACTED", "r": 1}, "moveLead"),
                (UPDATE, {"l": lead["id"], "r": 1, "i": lead_input()}, "updateLead"),
                (WIN, {"i": {"leadId": lead["id"], "expectedRevision": 1, "consentSigned": True}}, "winLead"),
                (CREATE, {"b": branch, "i": lead_input()}, "createLead")]:
            got = await env.gql(doc, variables, who)
            # The kit answers a refusal as the GraphQL error, never as a payload that could carry data.
            assert got["data"] is None and got["errors"][0]["extensions"]["code"] == "FORBIDDEN", (who.role, name)
    # An unknown branch answers like another branch's to its admins.
    ghost = await env.gql(CREATE, {"b": missing, "i": lead_input()}, admin_of(missing))
    assert ghost["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await env.ok(LEAD, {"id": lead["id"]}, admin_of(branch)))["lead"]["revision"] == 1
    assert await count(env, select(func.count()).select_from(lead_changes)
                       .where(lead_changes.c.lead_id == lead["id"])) == 1
    # The owner sees every branch's leads, and hears that an unknown one is not there.
    assert await listed_ids(env, {"b": branch}, OWNER) == [lead["id"]]
    unknown = await env.gql(LEAD, {"id": missing}, OWNER)
    assert unknown["errors"][0]["extensions"]["code"] == "LEAD_NOT_FOUND"
    contacted = await env.ok(MOVE, {"l": lead["id"], "s": "CONTACTED", "r": 1}, OWNER)
    assert contacted["moveLead"]["lead"]["history"][-1]["by"] == OWNER.staff_id
    assert await listed_ids(env, {"b": branch, "s": "CONTACTED"}, admin_of(branch)) == [lead["id"]]


async def test_a_branchs_leads_come_newest_first_a_page_at_a_time_by_cursor(env: Env) -> None:
    branch = await make_branch(env)
    made = [(await create(env, branch))["id"] for _ in range(5)]
    admin = admin_of(branch)
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        page = (await env.ok(BRANCH_LEADS, {"b": branch, "n": 2, "after": after}, admin))["branchLeads"]
        assert page["totalCount"] == (5 if pages == 0 else 6) and len(page["edges"]) <= 2
        seen += [e["node"]["id"] for e in page["edges"]]
        pages += 1
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        # A lead added meanwhile goes to the top: the next pages neither repeat nor skip one.
        if pages == 1:
            await create(env, branch)
    assert seen == made[::-1] and pages == 3
    for bad in ({"n": 0}, {"n": 101}, {"after": "not-a-cursor"}, {"after": "bm9wZQ=="}):
        got = await env.gql(BRANCH_LEADS, {"b": branch} | bad, admin)
        assert got["data"] is None and got["errors"][0]["extensions"]["code"] == "INVALID_INPUT", (bad, got)


async def test_leads_are_searched_by_the_contacts_or_childs_name_or_the_phone_in_any_spelling(env: Env) -> None:
    branch = await make_branch(env)
    admin = admin_of(branch)
    irina = await create(env, branch, phone="+7 912 345-67-10")
    olga = await create(env, branch, phone="8 (912) 345-67-11", contactFirstName="Ольга", contactLastName="Петрова",
                        childFirstName="Артём", childLastName="Петров")
    anna = await create(env, branch, phone="+79123456712", contactFirstName="Anna", childFirstName="Sasha")

    async def found(q: str, **more: Any) -> list[str]:
        return await listed_ids(env, {"b": branch, "q": q, **more}, admin)

    assert await found("ольга") == [olga["id"]]          # the contact's first name, any case
    assert await found("петров") == [olga["id"]]         # a part of a surname (the contact's and the child's)
    assert await found("  АРТЁМ  ") == [olga["id"]]      # the child's name, spaces around
    assert await found("артем") == [olga["id"]]          # ё read as е
    assert await found("misha volkova") == [irina["id"]]  # every word matches some name
    assert await found("sasha") == [anna["id"]]
    assert await found("8 912 345 67 11") == [olga["id"]]  # a whole number in any spelling: normalised
    assert await found("+79123456712") == [anna["id"]]
    assert await found("67-1") == [anna["id"], olga["id"], irina["id"]]  # part of a number: its digits
    assert await found("6710") == [irina["id"]]
    assert await found("nobody") == [] and await found("%") == [] and await found("_") == []
    assert await found("") == [anna["id"], olga["id"], irina["id"]]  # blank: no search
    page = (await env.ok(BRANCH_LEADS, {"b": branch, "q": "петров", "n": 1}, admin))["branchLeads"]
    assert page["totalCount"] == 1 and not page["pageInfo"]["hasNextPage"]
    # A search pages like the list and combines with the stage.
    two = (await env.ok(BRANCH_LEADS, {"b": branch, "q": "912", "n": 2}, admin))["branchLeads"]
    assert two["totalCount"] == 3 and two["pageInfo"]["hasNextPage"]
    rest = await found("912", after=two["pageInfo"]["endCursor"])
    assert [e["node"]["id"] for e in two["edges"]] + rest == [anna["id"], olga["id"], irina["id"]]
    await move(env, olga, "CONTACTED", admin)
    assert await found("912", s="CONTACTED") == [olga["id"]] and await found("ольга", s="NEW") == []
    too_long = await env.gql(BRANCH_LEADS, {"b": branch, "q": "x" * 101}, admin)
    assert too_long["data"] is None and too_long["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_a_search_finds_only_the_branchs_leads_and_only_for_its_admins_and_the_owner(env: Env) -> None:
    branch, other = await make_branch(env, "Mine"), await make_branch(env, "Theirs")
    phone = new_phone()
    mine = await create(env, branch, phone=phone)
    theirs = await create(env, other, phone=phone)
    assert await listed_ids(env, {"b": branch, "q": phone}, admin_of(branch)) == [mine["id"]]
    assert await listed_ids(env, {"b": other, "q": "Irina"}, OWNER) == [theirs["id"]]
    for who in (admin_of(other, "admin-other"), TEACHER):
        got = await env.gql(BRANCH_LEADS, {"b": branch, "q": phone}, who)
        assert got["data"] is None and got["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_save_over_a_revision_another_transaction_changed_is_refused(env: Env) -> None:
    """The storage's own guard, without the row lock: the row is written only over the revision it was read at."""
    branch = await make_branch(env)
    lead_id = (await create(env, branch))["id"]
    async with env.runtime.unit_of_work() as uow:
        stale = await uow.leads.get(lead_id)
    async with env.runtime.unit_of_work() as uow:
        fresh = await uow.leads.get(lead_id)
        assert fresh is not None
        fresh.move(LeadStage.CONTACTED, "admin-a", datetime.now(UTC), 1)
        await uow.leads.save(fresh, 1)
        await uow.commit()
    assert stale is not None
    stale.move(LeadStage.LOST, "admin-b", datetime.now(UTC), 1, "no answer")
    async with env.runtime.unit_of_work() as uow:
        with pytest.raises(StaleLeadRevision):
            await uow.leads.save(stale, 1)
    kept = (await env.ok(LEAD, {"id": lead_id}, admin_of(branch)))["lead"]
    assert kept["stage"] == "CONTACTED" and len(kept["history"]) == 2


async def test_the_owner_wins_a_lead_of_any_branch_into_the_branch_the_lead_names(env: Env) -> None:
    """The owner runs every branch: a lead is won into its own branch, whoever of the school wins it."""
    one, two = await make_branch(env, "One"), await make_branch(env, "Two")
    for branch in (one, two):
        lead = await create(env, branch)
        won = (await env.ok(WIN, {"i": {"leadId": lead["id"], "expectedRevision": 1, "consentSigned": True}},
                            OWNER))["winLead"]
        assert won["errors"] == [] and won["status"] == "DONE", won
        assert won["lead"]["stage"] == "WON" and won["lead"]["history"][-1]["by"] == OWNER.staff_id
        registered = [e for e in await env.events("identity.student.registered.v1")
                      if e["student_id"] == won["lead"]["studentId"]]
        assert [e["branch_id"] for e in registered] == [branch]


async def test_the_familys_code_goes_out_only_once_the_whole_win_is_committed(
        env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """Winning into another branch's family asks it to confirm in the win's one transaction: the SMS with the code
    is sent after that commits (the request, the lead's note, the key), never for what could still roll back."""
    home, other = await make_branch(env, "Home"), await make_branch(env, "Other")
    family = await make_family(env, home, kids=1)
    lead = await create(env, other, phone=family["phone"], childFirstName="Lena")
    history_at_send: list[int] = []
    real = env.deps.sms

    class Watching:
        async def send_sms(self, to: str, text: str) -> None:
            history_at_send.append(await count(env, select(func.count()).select_from(lead_changes)
                                               .where(lead_changes.c.lead_id == lead["id"])))
            await real.send_sms(to, text)

    monkeypatch.setattr(env.deps, "sms", Watching())
    got = (await env.ok(WIN, {"i": {"leadId": lead["id"], "expectedRevision": 1, "consentSigned": True}},
                        admin_of(other)))["winLead"]
    assert got["status"] == "PENDING_CONFIRMATION"
    assert history_at_send == [2]  # created, and the note that the family was asked: both committed already
