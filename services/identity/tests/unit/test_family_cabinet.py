"""The guardian's cabinet without a database: adding a child (duplicates, retries), inviting a second guardian,
cabinet access."""

from __future__ import annotations

import copy
import dataclasses
from datetime import date

import pytest
from identity_memory import World
from identity_unit_support import OWNER, admin_of, branch, run, sign_in, staff_family

from identity.domain.credentials import ALL_SMS, branch_sms
from identity.domain.errors import (
    ConsentRequired,
    DuplicateChild,
    InvalidBirthDate,
    InvalidRefreshToken,
    SmsNotAvailable,
    StudentErased,
    TooManyRequests,
)
from identity.domain.events import AccessGranted, AccessRevoked, GuardianLinked, StudentRegistered
from identity.domain.model import Consent
from identity.service import family, sessions
from identity.service.sessions import AuthSession
from kabinet.auth.principal import Principal, Role
from kabinet.errors import Forbidden, IdempotencyKeyReused

PHONE = "+79160000011"


async def _guardian(world: World) -> tuple[str, AuthSession]:
    b = await branch(world)
    await staff_family(world, b, PHONE, ("Masha", "Petrova", "2015-03-01"))
    return b, await sign_in(world, PHONE)


def _child(first: str = "Petya", **kw: object) -> family.AddChild:
    return family.AddChild(first, "Petrov", "2017-09-10", True, **kw)  # type: ignore[arg-type]


async def test_a_guardian_adds_a_child_with_consent_in_the_siblings_branch(world: World) -> None:
    b, s = await _guardian(world)
    kid = await run(world, family.add_child, _child(), s.principal)
    stored = world.data.students[kid.id]
    assert stored.family_id == s.principal.family_id and stored.branch_id == b  # the siblings' branch
    consent = next(c for c in world.data.consents if c.student_id == kid.id)
    assert consent.source == "cabinet" and consent.guardian_id == s.principal.user_id
    assert world.store.events(StudentRegistered)[-1].student_id == kid.id


async def test_without_consent_nothing_is_added(world: World) -> None:
    _, s = await _guardian(world)
    with pytest.raises(ConsentRequired):
        await run(world, family.add_child, family.AddChild("Petya", "Petrov", "2017-09-10", False), s.principal)
    assert len(world.data.students) == 1


async def test_the_same_child_twice_is_a_duplicate_unless_confirmed(world: World) -> None:
    _, s = await _guardian(world)
    with pytest.raises(DuplicateChild):  # the sibling registered at the desk, typed again
        await run(world, family.add_child, family.AddChild(" masha ", "PETROVA", "2015-03-01", True), s.principal)
    twin = await run(world, family.add_child,
                     family.AddChild("Masha", "Petrova", "2015-03-01", True, confirm_duplicate=True), s.principal)
    assert sorted(x.first_name for x in world.data.students.values()) == ["Masha", "Masha"]
    assert twin.id in world.data.students


async def test_a_retried_add_child_returns_the_first_child_and_a_reused_key_is_refused(world: World) -> None:
    _, s = await _guardian(world)
    first = await run(world, family.add_child, _child(idempotency_key="k-1"), s.principal)
    again = await run(world, family.add_child, _child(idempotency_key="k-1"), s.principal)
    assert again.id == first.id and len(world.data.students) == 2
    with pytest.raises(IdempotencyKeyReused):
        await run(world, family.add_child, _child("Vanya", idempotency_key="k-1"), s.principal)


async def test_only_a_guardian_adds_children(world: World) -> None:
    b, _ = await _guardian(world)
    with pytest.raises(Forbidden):
        await run(world, family.add_child, _child(), admin_of(b))


async def test_inviting_a_new_number_adds_a_guardian_who_is_told_by_sms(world: World) -> None:
    _, s = await _guardian(world)
    second = "+79160000012"
    g = await run(world, family.invite_guardian, family.InviteGuardian(second, "Ivan", "Petrov"), s.principal)
    assert world.data.guardians[g.id].family_id == s.principal.family_id and not g.is_payer
    assert world.store.events(GuardianLinked)[-1].guardian_id == g.id
    assert "added to a family cabinet" in world.outbox.to(second)[-1].text
    again = await run(world, family.invite_guardian, family.InviteGuardian(second, "Ivan", "Petrov"), s.principal)
    assert again.id == g.id  # already in the family: the same guardian
    # The invited guardian signs in with a code to the same cabinet, and its guardians are the two phones.
    assert (await sign_in(world, second)).principal.family_id == s.principal.family_id
    assert {x.phone for x in world.data.guardians.values() if x.family_id == s.principal.family_id} == {
        PHONE, second}


async def test_inviting_a_number_of_another_family_stores_nothing_and_answers_alike(world: World) -> None:
    b, s = await _guardian(world)
    other = "+79160000013"
    await staff_family(world, b, other, ("Kolya", "Ivanov", "2014-01-01"))
    guardians_before = dict(world.data.guardians)
    g = await run(world, family.invite_guardian, family.InviteGuardian(other, "Ivan", "Ivanov"), s.principal)
    assert g.family_id == s.principal.family_id  # the same kind of answer as for a new number
    assert world.data.guardians.keys() == guardians_before.keys()
    assert "Nothing changed" in world.outbox.to(other)[-1].text


async def test_invitations_are_capped_per_family_per_day(world: World) -> None:
    """Each invitation sends an SMS to whatever number is given: ten a day per family, then TOO_MANY_REQUESTS."""
    assert family.INVITES_PER_DAY == 10
    _, s = await _guardian(world)
    for i in range(family.INVITES_PER_DAY):
        await run(world, family.invite_guardian, family.InviteGuardian(f"+7916100{i:04d}", "A", "B"), s.principal)
    with pytest.raises(TooManyRequests) as capped:
        await run(world, family.invite_guardian, family.InviteGuardian("+79162000000", "A", "B"), s.principal)
    assert capped.value.code == "TOO_MANY_REQUESTS"
    world.clock.advance(days=1, seconds=1)
    await run(world, family.invite_guardian, family.InviteGuardian("+79162000000", "A", "B"), s.principal)


async def test_an_invitation_sms_is_logged_and_charged_to_the_familys_branch(world: World) -> None:
    """Either invitation SMS (to a new number, or the notice to another family's) is paid by the inviting family's
    branch: logged, counted in the branch's cost and the school's day, as the code SMS are (R-FAM-8, R-NTF-2)."""
    b, s = await _guardian(world)
    other = "+79160000013"
    await staff_family(world, b, other, ("Kolya", "Ivanov", "2014-01-01"))
    day, before = world.clock.now.date(), world.data.sms_totals.get((world.clock.now.date(), ALL_SMS), (0, 0))[0]
    await run(world, family.invite_guardian, family.InviteGuardian("+79160000012", "Ivan", "Petrov"), s.principal)
    await run(world, family.invite_guardian, family.InviteGuardian(other, "Ivan", "Ivanov"), s.principal)
    logged = [(r.phone, r.branch_id) for r in world.data.sms if r.purpose == "invite_guardian"]
    assert logged == [("+79160000012", b), (other, b)]
    assert world.data.sms_totals[(day, ALL_SMS)][0] == before + 2
    assert world.data.sms_totals[(day, branch_sms(b))] == (2, 2 * world.ports.sms_cost)


@pytest.mark.parametrize("cap", ["school", "branch"])
async def test_an_invitation_past_an_sms_cap_is_refused_and_changes_nothing(world: World, cap: str) -> None:
    """Past the school's daily total or the branch's cost cap: SMS_NOT_AVAILABLE, for a new number and another
    family's alike, and no guardian, event, SMS, log row or counted try stays."""
    b, s = await _guardian(world)
    other = "+79160000013"
    await staff_family(world, b, other, ("Kolya", "Ivanov", "2014-01-01"))
    day = world.clock.now.date()
    spent = world.data.sms_totals.get((day, ALL_SMS), (0, 0))[0]
    world.ports.limits = dataclasses.replace(
        world.ports.limits, **({"global_daily": spent} if cap == "school" else {"branch_daily_cost_cap": "0.00"}))
    before = copy.deepcopy(world.data)
    events, sent = len(world.store.published), len(world.outbox.sent)
    for phone in ("+79160000012", other):
        with pytest.raises(SmsNotAvailable) as refused:
            await run(world, family.invite_guardian, family.InviteGuardian(phone, "Ivan", "Petrov"), s.principal)
        assert refused.value.code == "SMS_NOT_AVAILABLE"
    assert world.data == before
    assert len(world.store.published) == events and len(world.outbox.sent) == sent


async def test_invitations_to_one_phone_are_capped_as_its_codes_are(world: World) -> None:
    """Many families inviting one number would flood it: per phone the code SMS's cap holds (3 per 10 minutes),
    counting every invitation whoever sends it and wherever the number is registered."""
    b, _ = await _guardian(world)
    target, limits = "+79169990000", world.ports.limits
    inviters = []
    for i in range(limits.per_phone + 1):
        phone = f"+7916300{i:04d}"
        await staff_family(world, b, phone, ("Kid", f"N{i}", "2014-01-01"))
        inviters.append((await sign_in(world, phone)).principal)
    for p in inviters[:-1]:
        await run(world, family.invite_guardian, family.InviteGuardian(target, "A", "B"), p)
    with pytest.raises(TooManyRequests) as capped:
        await run(world, family.invite_guardian, family.InviteGuardian(target, "A", "B"), inviters[-1])
    assert capped.value.field == "phone"
    assert len(world.outbox.to(target)) == limits.per_phone
    world.clock.advance(seconds=limits.per_phone_window.total_seconds() + 1)
    await run(world, family.invite_guardian, family.InviteGuardian(target, "A", "B"), inviters[-1])


async def test_an_invitation_to_a_number_sms_cannot_reach_is_refused(world: World) -> None:
    _, s = await _guardian(world)
    with pytest.raises(SmsNotAvailable) as refused:
        await run(world, family.invite_guardian, family.InviteGuardian("+14155550100", "A", "B"), s.principal)
    assert refused.value.field == "phone" and not world.outbox.to("+14155550100")


async def test_closing_a_cabinet_ends_its_sessions(world: World) -> None:
    b, s = await _guardian(world)
    assert s.principal.family_id is not None
    await run(world, family.revoke_access, family.ChangeAccess(s.principal.family_id, "unpaid"), admin_of(b))
    assert world.store.events(AccessRevoked)[-1].reason == "unpaid"
    assert all(t.revoked_at is not None for _, t in world.data.refresh.values())
    with pytest.raises(InvalidRefreshToken):
        await run_refresh(world, s.refresh_token)


async def test_staff_of_another_branch_cannot_close_a_cabinet(world: World) -> None:
    _, s = await _guardian(world)
    other = await branch(world, "Kazan")
    assert s.principal.family_id is not None
    with pytest.raises(Forbidden):
        await run(world, family.revoke_access, family.ChangeAccess(s.principal.family_id), admin_of(other, "a2"))
    await run(world, family.revoke_access, family.ChangeAccess(s.principal.family_id), OWNER)
    assert not world.data.families[s.principal.family_id].access_open


async def run_refresh(world: World, token: str) -> AuthSession:
    async with world.uow() as uow:
        return await sessions.refresh_session(sessions.RefreshSession(token), uow)


def test_keys_stored_before_the_kit_still_match_a_retry() -> None:
    """identity hashed sha256(json [operation, payload]) itself; the kit's fingerprint of the same is the same,
    so a retry after the migration replays instead of being refused as a reused key."""
    import hashlib
    import json

    from kabinet.idempotency import fingerprint

    payload = ["Petya", "Petrov", "2017-09-10", True, None, True]
    before = hashlib.sha256(json.dumps(["addChild", payload], sort_keys=True, default=str).encode()).hexdigest()
    assert fingerprint("addChild", payload) == before


# Moved from api/test_families.py (PostgreSQL through GraphQL): the same facts on the use cases. The GraphQL
# path of addChild (typed errors, a replayed key) stays covered by e2e/test_flows_through_gateway.py, that of
# setChildConsent by api/test_authorization_matrix.py.

async def test_add_a_child_needs_a_whole_real_date_and_consent(world: World) -> None:
    b, s = await _guardian(world)
    before = (len(world.data.students), len(world.data.consents))
    for bad in ("2015-02-30", "2015-13-01", "2015-02", "15-02-01", "2999-01-01", ""):
        with pytest.raises(InvalidBirthDate) as refused:
            await run(world, family.add_child, family.AddChild("Nina", "Petrova", bad, True), s.principal)
        assert (refused.value.field, refused.value.code, refused.value.message) == (
            "birthDate", "INVALID_BIRTH_DATE",
            "The birth date is not a real past date; give it whole as YYYY-MM-DD."), bad
    with pytest.raises(ConsentRequired):
        await run(world, family.add_child, family.AddChild("Nina", "Petrova", "2016-02-29", False), s.principal)
    assert (len(world.data.students), len(world.data.consents)) == before  # bad input changes nothing

    nina = family.AddChild("Nina", "Petrova", "2016-02-29", True, idempotency_key="add-nina-1")
    first = await run(world, family.add_child, nina, s.principal)
    retry = await run(world, family.add_child, nina, s.principal)
    assert first == retry and first.birth_date == date(2016, 2, 29)
    assert any(c.student_id == first.id and c.in_force for c in world.data.consents)  # consentRecorded
    assert first.branch_id == b  # a sibling's branch by default
    assert (len(world.data.students), len(world.data.consents)) == (before[0] + 1, before[1] + 1)
    with pytest.raises(IdempotencyKeyReused):
        await run(world, family.add_child, dataclasses.replace(nina, first_name="Other"), s.principal)
    assert [k.first_name for k in world.data.students.values() if k.family_id == s.principal.family_id] == [
        "Masha", "Nina"]


async def test_a_guardian_withdraws_and_gives_again_an_existing_childs_consent(world: World) -> None:
    b = await branch(world)
    fam = await staff_family(world, b, PHONE, ("Masha", "Petrova", "2015-03-01"), ("Petya", "Petrov", "2017-09-10"))
    kid, sibling = (s.id for s in sorted(world.data.students.values(), key=lambda s: s.first_name))
    me = (await sign_in(world, PHONE)).principal

    def rows(student_id: str = kid) -> list[Consent]:
        return [c for c in world.data.consents if c.student_id == student_id]

    def recorded(student_id: str) -> bool:  # what the GraphQL field consentRecorded reads
        return any(c.in_force for c in rows(student_id))

    withdrawn = await run(world, family.set_child_consent, family.SetChildConsent(kid, False), me)
    assert withdrawn.id == kid and not recorded(kid)
    assert len(rows()) == 1 and rows()[0].withdrawn_at is not None  # the paper consent stays on record
    await run(world, family.set_child_consent, family.SetChildConsent(kid, False), me)  # twice changes nothing
    assert not recorded(kid) and len(rows()) == 1
    await run(world, family.set_child_consent, family.SetChildConsent(kid, True), me)
    assert recorded(kid) and len(rows()) == 2
    assert {k: recorded(k) for k in (kid, sibling)} == {kid: True, sibling: True}

    # Only a guardian of the child's family: another family's child and no child answer alike; staff may not.
    other = await staff_family(world, b, "+79160000019", ("Kolya", "Ivanov", "2014-01-01"))
    foreign = next(s.id for s in world.data.students.values() if s.family_id == other.id)
    for student_id, who in ((foreign, me), ("00000000-0000-0000-0000-000000000000", me), (kid, admin_of(b))):
        with pytest.raises(Forbidden):
            await run(world, family.set_child_consent, family.SetChildConsent(student_id, False), who)
    assert recorded(kid) and recorded(foreign)
    await run(world, family.erase_student, family.EraseStudent(sibling), me)
    with pytest.raises(StudentErased) as erased:
        await run(world, family.set_child_consent, family.SetChildConsent(sibling, True), me)
    assert erased.value.code == "STUDENT_ERASED"
    assert fam.id == me.family_id


# Moved from api/test_accounts_and_pages.py: openCabinetAccess's GraphQL path stays covered by
# api/test_family_confirmations.py and api/test_authorization_matrix.py.
async def test_staff_open_a_cabinet_by_hand_only_in_their_branch(world: World) -> None:
    b, other = await branch(world), await branch(world, "Kazan")
    fam = await staff_family(world, b, PHONE, ("Masha", "Petrova", "2015-03-01"), open_cabinet=False)
    teacher = Principal(user_id="t", role=Role.TEACHER, staff_id="t", branch_ids=frozenset({b}))
    for stranger in (admin_of(other, "a2"), teacher):
        with pytest.raises(Forbidden):
            await run(world, family.open_access_by_staff, family.ChangeAccess(fam.id, "contract signed"), stranger)
    assert not world.data.families[fam.id].access_open
    got = await run(world, family.open_access_by_staff, family.ChangeAccess(fam.id, "contract signed"), admin_of(b))
    assert got.access_open is True
    again = await run(world, family.open_access_by_staff, family.ChangeAccess(fam.id, "contract signed"),
                      admin_of(b))  # idempotent: no second event
    assert again.access_open is True and world.data.families[fam.id].access_open
    assert [(e.family_id, e.reason) for e in world.store.events(AccessGranted)] == [(fam.id, "contract signed")]
