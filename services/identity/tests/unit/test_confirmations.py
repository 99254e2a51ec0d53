"""Family confirmations without a database: another branch registering a child under a family's phone, and a
guardian linking another family's records, wait for the family (a code to its phone, or its approval)."""

from __future__ import annotations

import pytest
from identity_memory import World
from identity_unit_support import CODE, admin_of, branch, run, sign_in, staff_family

from identity.domain.confirmations import ConfirmationKind, ConfirmationStatus
from identity.domain.credentials import CODE_MAX_ATTEMPTS
from identity.domain.errors import InvalidCode, RecordNotMatched, TooManyRequests
from identity.domain.events import GuardianLinked, StudentRegistered
from identity.domain.model import Family
from identity.service import auth, confirmations, family, registration
from identity.service.confirmations import ConfirmationSent
from kabinet.auth.principal import Principal
from kabinet.errors import Forbidden

PHONE = "+79160000031"


async def _asked(world: World) -> tuple[Family, str, ConfirmationSent]:
    """A family of Moscow; Kazan's admin registers Petya under its phone and is asked to wait."""
    own, other = await branch(world, "Moscow"), await branch(world, "Kazan")
    fam = await staff_family(world, own, PHONE, ("Masha", "Petrova", "2015-03-01"))
    sent = await run(world, registration.register_student,
                     registration.RegisterStudent(PHONE, "Petya", "Petrov", "2017-09-10"), admin_of(other, "adm-2"))
    assert isinstance(sent, ConfirmationSent)
    return fam, other, sent


def _kids(world: World, family_id: str) -> list[str]:
    return sorted(s.first_name for s in world.data.students.values() if s.family_id == family_id)


async def test_the_requesting_admin_enters_the_familys_code_and_the_child_is_added(world: World) -> None:
    fam, other, sent = await _asked(world)
    got = await run(world, confirmations.confirm_family_registration,
                    confirmations.ConfirmWithCode(sent.confirmation_id, CODE), admin_of(other, "adm-2"))
    assert got.id == fam.id and _kids(world, fam.id) == ["Masha", "Petya"]
    assert world.data.confirmations[sent.confirmation_id].status is ConfirmationStatus.CONFIRMED
    assert world.store.events(StudentRegistered)[-1].first_name == "Petya"


async def test_wrong_codes_count_and_lock_the_request(world: World) -> None:
    fam, other, sent = await _asked(world)
    cmd = confirmations.ConfirmWithCode(sent.confirmation_id, "000000")
    for _ in range(CODE_MAX_ATTEMPTS):
        with pytest.raises(InvalidCode):
            await run(world, confirmations.confirm_family_registration, cmd, admin_of(other, "adm-2"))
    assert world.data.confirmations[sent.confirmation_id].attempts == CODE_MAX_ATTEMPTS  # each try committed
    with pytest.raises(InvalidCode):
        await run(world, confirmations.confirm_family_registration,
                  confirmations.ConfirmWithCode(sent.confirmation_id, CODE), admin_of(other, "adm-2"))
    assert _kids(world, fam.id) == ["Masha"]


async def test_only_the_requesting_branch_may_enter_the_code(world: World) -> None:
    fam, _, sent = await _asked(world)
    third = await branch(world, "Omsk")
    with pytest.raises(Forbidden):
        await run(world, confirmations.confirm_family_registration,
                  confirmations.ConfirmWithCode(sent.confirmation_id, CODE), admin_of(third, "adm-3"))
    assert _kids(world, fam.id) == ["Masha"]


async def test_the_familys_guardian_approves_or_declines_in_the_cabinet(world: World) -> None:
    fam, _, sent = await _asked(world)
    guardian = (await sign_in(world, PHONE)).principal
    pending = await run(world, confirmations.pending_for_guardian, confirmations.PendingForGuardian(), guardian)
    assert [(v.confirmation.kind, v.branch_name) for v in pending] == [(ConfirmationKind.ADD_STUDENTS, "Kazan")]
    stranger = Principal(user_id="g-x", role=guardian.role, family_id="another-family")
    with pytest.raises(Forbidden):
        await run(world, confirmations.approve, confirmations.Decide(sent.confirmation_id), stranger)
    await run(world, confirmations.decline, confirmations.Decide(sent.confirmation_id), guardian)
    assert _kids(world, fam.id) == ["Masha"]
    with pytest.raises(Forbidden):  # decided: the same answer as "not there"
        await run(world, confirmations.approve, confirmations.Decide(sent.confirmation_id), guardian)


async def test_requests_to_one_family_are_capped_per_day(world: World) -> None:
    fam, other, _ = await _asked(world)
    for _ in range(confirmations.REQUESTS_PER_FAMILY_PER_DAY - 1):
        await run(world, registration.register_student,
                  registration.RegisterStudent(PHONE, "Vanya", "Petrov", "2016-01-01"), admin_of(other, "adm-2"))
    with pytest.raises(TooManyRequests):
        await run(world, registration.register_student,
                  registration.RegisterStudent(PHONE, "Vanya", "Petrov", "2016-01-01"), admin_of(other, "adm-2"))
    assert _kids(world, fam.id) == ["Masha"]


async def test_linking_another_familys_records_waits_for_its_guardian_then_links(world: World) -> None:
    b = await branch(world)
    fam = await staff_family(world, b, PHONE, ("Masha", "Petrova", "2015-03-01"))
    # A second adult registers online with an own phone, then asks to link Masha's records.
    me_phone = "+79160000032"
    await run_anonymous_register(world, me_phone)
    me = (await sign_in(world, me_phone)).principal
    got = await run(world, family.link_records, family.LinkRecords(PHONE, "2015-03-01", "petrova"), me)
    assert isinstance(got, ConfirmationSent)
    assert world.data.guardians[me.user_id or ""].family_id != fam.id
    session = await run(world, family.confirm_link, confirmations.ConfirmWithCode(got.confirmation_id, CODE), me)
    assert session.principal.family_id == fam.id and len(session.student_ids) == 1
    assert world.store.events(GuardianLinked)[-1].family_id == fam.id


async def test_an_unmatched_link_answers_alike_and_tries_are_capped(world: World) -> None:
    b = await branch(world)
    await staff_family(world, b, PHONE, ("Masha", "Petrova", "2015-03-01"))
    me_phone = "+79160000033"
    await run_anonymous_register(world, me_phone)
    me = (await sign_in(world, me_phone)).principal
    for wrong in (family.LinkRecords(PHONE, "2015-03-02", "Petrova"), family.LinkRecords("garbage", "x", "y")):
        with pytest.raises(RecordNotMatched):
            await run(world, family.link_records, wrong, me)
    for _ in range(family.LINK_TRIES_PER_HOUR - 2):
        with pytest.raises(RecordNotMatched):
            await run(world, family.link_records, family.LinkRecords(PHONE, "2000-01-01", "Petrova"), me)
    with pytest.raises(TooManyRequests):
        await run(world, family.link_records, family.LinkRecords(PHONE, "2015-03-01", "Petrova"), me)


async def run_anonymous_register(world: World, phone: str) -> None:
    async with world.uow() as uow:
        await auth.request_phone_code(auth.RequestPhoneCode(phone, auth.CodePurpose.REGISTER), uow)
    async with world.uow() as uow:
        await auth.complete_registration(auth.CompleteRegistration(phone, CODE, "Ivan", "Sidorov"), uow)


def test_a_payload_reads_and_writes_the_json_confirmations_were_stored_with() -> None:
    from datetime import date

    from identity.domain.confirmations import ChildToAdd, ConfirmationPayload

    stored = {"branch_id": "b-1", "students": [{"first_name": "Petya", "last_name": "Petrov",
                                                "birth_date": "2017-09-10"}]}
    payload = ConfirmationPayload.from_json(stored)
    assert payload.students == (ChildToAdd("Petya", "Petrov", date(2017, 9, 10)),) and payload.branch_id == "b-1"
    assert payload.to_json() == stored
    assert ConfirmationPayload.from_json({"guardian_id": "g-1"}).to_json() == {"guardian_id": "g-1"}
