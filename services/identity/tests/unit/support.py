"""Shortcuts the unit tests share: run a use case in its own unit of work, set up branches and families."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from identity_memory import World

from identity.domain.model import Family
from identity.service import auth, family, org, registration
from identity.service.sessions import AuthSession
from identity.service.unit_of_work import IdentityUnitOfWork
from kabinet.auth.principal import Principal, Role

T = TypeVar("T")
C = TypeVar("C")

OWNER = Principal(user_id="owner-1", role=Role.OWNER, staff_id="owner-1")
CODE = "123456"  # make_world's fixed code


def admin_of(branch_id: str, user_id: str = "admin-1") -> Principal:
    return Principal(user_id=user_id, role=Role.BRANCH_ADMIN, branch_ids=frozenset({branch_id}), staff_id=user_id)


async def run(world: World, use_case: Callable[[C, IdentityUnitOfWork, Principal], Awaitable[T]], cmd: C,
              principal: Principal) -> T:
    """One use case in its own unit of work, as the schema runs it (uncommitted work is forgotten)."""
    async with world.uow() as uow:
        return await use_case(cmd, uow, principal)


async def run_anonymous(world: World, use_case: Callable[[C, IdentityUnitOfWork], Awaitable[T]], cmd: C) -> T:
    async with world.uow() as uow:
        return await use_case(cmd, uow)


async def branch(world: World, name: str = "Moscow") -> str:
    b = await run(world, org.create_branch, org.CreateBranch(name, name, "Europe/Moscow", "Tverskaya 1"), OWNER)
    return b.id


async def staff_family(world: World, branch_id: str, phone: str, *kids: tuple[str, str, str],
                       open_cabinet: bool = True) -> Family:
    """A client a branch registered at the desk (children: first, last, birth date), its cabinet opened."""
    got = await run(world, registration.register_client, registration.RegisterClient(
        phone, "Anna", "Petrova", branch_id, True, None,
        tuple(registration.NewStudent(*k) for k in kids)), admin_of(branch_id))
    assert isinstance(got, Family)
    if open_cabinet:
        async with world.uow() as uow:
            await family.open_access(uow, got.id, "test")
            await uow.commit()
    return got


async def sign_in(world: World, phone: str) -> AuthSession:
    await run_anonymous(world, auth.request_phone_code, auth.RequestPhoneCode(phone, auth.CodePurpose.SIGN_IN))
    return await run_anonymous(world, auth.sign_in_with_code, auth.SignInWithCode(phone, CODE))


