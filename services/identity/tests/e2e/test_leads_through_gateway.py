"""Leads through the gateway, as the admin's desk would use them (R-CRM-1, R-CRM-2): recorded, moved, won into a
client and student; a teacher of the same branch sees none of it."""

from __future__ import annotations

from gateway_kit import Flow, error_code, ok
from identity_testkit import new_phone

CREATE = """mutation($b: ID!, $i: LeadInput!) { createLead(branchId: $b, input: $i) {
  lead { id stage revision phone } errors { field code } } }"""
MOVE = """mutation($l: ID!, $r: Int!) { moveLead(leadId: $l, stage: TRIAL_BOOKED, expectedRevision: $r) {
  lead { id stage revision } errors { code } } }"""
WIN = """mutation($i: WinLeadInput!) { winLead(input: $i) { status lead { stage familyId studentId }
  errors { field code } } }"""
FAMILY = "query($f: ID!) { family(id: $f) { id guardianPhone students { id firstName lastName } } }"
LEADS = """query($b: ID!) { branchLeads(branchId: $b) {
  edges { node { id stage history { fromStage toStage } } } } }"""


async def test_an_admin_records_moves_and_wins_a_lead_and_a_teacher_sees_none_of_it(flow: Flow) -> None:
    owner = await flow.owner()
    branch = await flow.branch(owner)
    _, admin = await flow.staff(owner, "BRANCH_ADMIN", branch)
    _, teacher = await flow.staff(owner, "TEACHER", branch)
    phone = new_phone()
    lead = (await ok(admin, CREATE, {"b": branch, "i": {
        "contactFirstName": "Irina", "contactLastName": "Volkova", "phone": phone, "childFirstName": "Misha",
        "childAge": 8, "source": "REFERRAL", "interest": "Chess"}}))["createLead"]["lead"]
    moved = (await ok(admin, MOVE, {"l": lead["id"], "r": lead["revision"]}))["moveLead"]["lead"]
    assert moved["stage"] == "TRIAL_BOOKED"
    won = (await ok(admin, WIN, {"i": {"leadId": lead["id"], "expectedRevision": moved["revision"],
                                       "consentSigned": True, "childBirthDate": "2018-01-15",
                                       "idempotencyKey": "e2e-win"}}))["winLead"]
    assert won["status"] == "DONE" and won["lead"]["stage"] == "WON"
    family = (await ok(admin, FAMILY, {"f": won["lead"]["familyId"]}))["family"]
    assert family["guardianPhone"] == phone
    assert [(s["id"], s["firstName"], s["lastName"]) for s in family["students"]] == [
        (won["lead"]["studentId"], "Misha", "Volkova")]
    history = (await ok(admin, LEADS, {"b": branch}))["branchLeads"]["edges"][0]["node"]["history"]
    assert [h["toStage"] for h in history] == ["NEW", "TRIAL_BOOKED", "WON"]
    assert error_code(await teacher.execute(LEADS, {"b": branch})) == "FORBIDDEN"
    assert error_code(await teacher.execute(MOVE, {"l": lead["id"], "r": 3})) == "FORBIDDEN"
