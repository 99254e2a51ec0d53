"""Registration without a database: self-registration by SMS code, and staff registering clients and students."""

from __future__ import annotations

import pytest
from identity_memory import World
from identity_unit_support import CODE, OWNER, admin_of, branch, run, run_anonymous, staff_family

from identity.domain.errors import AlreadyRegistered, BranchNotFound, ConsentRequired, InvalidCode
from identity.domain.events import AccessGranted, FamilyCreated, GuardianLinked, StudentRegistered
from identity.domain.model import Family, FamilyOrigin, Student
from identity.service import auth, registration
from identity.service.confirmations import ConfirmationSent
from kabinet.auth.principal import Role

PHONE = "+79160000001"


async def _registration_code(world: World, phone: str = PHONE) -> None:
    await run_anonymous(world, auth.request_phone_code, auth.RequestPhoneCode(phone, auth.CodePurpose.REGISTER))


async def test_self_registration_opens_the_cabinet_at_once_and_signs_in(world: World) -> None:
    await _registration_code(world)
    assert world.outbox.to(PHONE)[0].channel == "sms"
    session = await run_anonymous(world, auth.complete_registration, auth.CompleteRegistration(
        PHONE, CODE, "Anna", "Petrova", "Anna@Mail.test", "a-long-password-1"))
    family = next(iter(world.data.families.values()))
    assert family.origin is FamilyOrigin.SELF and family.access_open and family.guardian_phone == PHONE
    guardian = next(iter(world.data.guardians.values()))
    assert guardian.email == "anna@mail.test" and guardian.is_payer and guardian.password_hash
    assert session.principal.role is Role.GUARDIAN and session.principal.family_id == family.id
    assert [type(e) for e in world.store.published] == [FamilyCreated, GuardianLinked, AccessGranted]
    link = world.outbox.to("anna@mail.test")[0]
    assert "confirm-email?token=" in link.text
    assert len(world.data.refresh) == 1  # the session's refresh token


async def test_a_registered_phone_cannot_register_again_and_the_code_is_spent(world: World) -> None:
    await _registration_code(world)
    await run_anonymous(world, auth.complete_registration, auth.CompleteRegistration(PHONE, CODE, "Anna", "P"))
    await _registration_code(world)
    with pytest.raises(AlreadyRegistered):
        await run_anonymous(world, auth.complete_registration, auth.CompleteRegistration(PHONE, CODE, "Ivan", "P"))
    assert len(world.data.families) == 1
    assert all(c.used_at is not None for c in world.data.codes)  # the code was spent all the same


async def test_a_wrong_registration_code_creates_nothing(world: World) -> None:
    await _registration_code(world)
    with pytest.raises(InvalidCode) as wrong:
        await run_anonymous(world, auth.complete_registration, auth.CompleteRegistration(PHONE, "000000", "A", "P"))
    assert wrong.value.tries_left == 4
    assert not world.data.families and not world.store.published


async def test_staff_register_a_client_with_children_and_paper_consent(world: World) -> None:
    b = await branch(world)
    fam = await staff_family(world, b, PHONE, ("Masha", "Petrova", "2015-03-01"), ("Petya", "Petrov", "2017-09-10"),
                             open_cabinet=False)
    assert not world.data.families[fam.id].access_open  # the cabinet opens with the first sold subscription
    kids = [s for s in world.data.students.values() if s.family_id == fam.id]
    assert sorted(s.first_name for s in kids) == ["Masha", "Petya"] and {s.branch_id for s in kids} == {b}
    assert {c.student_id for c in world.data.consents} == {s.id for s in kids}
    assert all(c.source == "paper" for c in world.data.consents)
    assert len(world.store.events(StudentRegistered)) == 2


async def test_children_without_signed_consent_or_in_an_unknown_branch_are_refused(world: World) -> None:
    b = await branch(world)
    kid = (registration.NewStudent("Masha", "Petrova", "2015-03-01"),)
    with pytest.raises(ConsentRequired):
        await run(world, registration.register_client,
                  registration.RegisterClient(PHONE, "Anna", "P", b, False, None, kid), admin_of(b))
    with pytest.raises(BranchNotFound):
        await run(world, registration.register_client,
                  registration.RegisterClient(PHONE, "Anna", "P", "nowhere", True, None, kid), OWNER)
    assert not world.data.families and not world.data.students


async def test_register_student_finds_the_family_of_a_known_phone(world: World) -> None:
    b = await branch(world)
    fam = await staff_family(world, b, PHONE, ("Masha", "Petrova", "2015-03-01"))
    got = await run(world, registration.register_student,
                    registration.RegisterStudent(PHONE, "Petya", "Petrov", "2017-09-10"), admin_of(b))
    assert isinstance(got, Student) and got.family_id == fam.id and got.branch_id == b
    assert len(world.data.families) == 1


async def test_another_branch_registering_under_a_known_phone_asks_the_family_first(world: World) -> None:
    own, other = await branch(world, "Moscow"), await branch(world, "Kazan")
    fam = await staff_family(world, own, PHONE, ("Masha", "Petrova", "2015-03-01"))
    got = await run(world, registration.register_student,
                    registration.RegisterStudent(PHONE, "Petya", "Petrov", "2017-09-10"), admin_of(other, "adm-2"))
    assert isinstance(got, ConfirmationSent)
    assert [s.first_name for s in world.data.students.values() if s.family_id == fam.id] == ["Masha"]
    assert "Kazan asks to add Petya Petrov" in world.outbox.to(PHONE)[-1].text
    assert isinstance(fam, Family)
