"""Branches and staff (owner creates branches; owner or a branch's admin manage its staff)."""

from __future__ import annotations

from dataclasses import dataclass

from identity.adapters.repositories import OrgRepository
from identity.domain.errors import BranchNotFound, EmailTaken
from identity.domain.events import BranchCreated, BranchUpdated, StaffCreated
from identity.domain.model import (
    Branch,
    Staff,
    StaffRole,
    check_password,
    check_time_zone,
    clean_name,
    new_id,
    normalise_email,
)
from identity.service.auth import _reset_link
from identity.service.deps import IdentityDeps
from identity.service.sessions import STAFF
from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import can_manage_branch, ensure, require_role
from kabinet.db import UnitOfWork
from kabinet.errors import InvalidInput


def _branch_event(b: Branch, cls: type[BranchCreated] | type[BranchUpdated]) -> BranchCreated | BranchUpdated:
    return cls(branch_id=b.id, name=b.name, city=b.city, time_zone=b.time_zone, address=b.address)


async def create_branch(uow: UnitOfWork, principal: Principal, name: str, city: str, time_zone: str,
                        address: str) -> Branch:
    require_role(principal, Role.OWNER)
    branch = Branch.create(name, city, time_zone, address)
    await OrgRepository(uow.session).add_branch(branch)
    uow.publish(_branch_event(branch, BranchCreated))
    await uow.commit()
    return branch


async def update_branch(uow: UnitOfWork, principal: Principal, branch_id: str, name: str | None, city: str | None,
                        time_zone: str | None, address: str | None) -> Branch:
    require_role(principal, Role.BRANCH_ADMIN)
    ensure(can_manage_branch(principal, branch_id))
    repo = OrgRepository(uow.session)
    branch = await repo.branch(branch_id)
    if branch is None:
        raise BranchNotFound(field="id")
    if name is not None:
        branch.name = clean_name(name, "name")
    if city is not None:
        branch.city = clean_name(city, "city")
    if time_zone is not None:
        branch.time_zone = check_time_zone(time_zone)
    if address is not None:
        branch.address = address.strip()
    await repo.save_branch(branch)
    uow.publish(_branch_event(branch, BranchUpdated))
    await uow.commit()
    return branch


@dataclass(frozen=True)
class CreateStaff:
    role: StaffRole
    email: str
    first_name: str
    last_name: str
    branch_ids: tuple[str, ...]
    password: str | None = None


async def create_staff(deps: IdentityDeps, uow: UnitOfWork, principal: Principal, cmd: CreateStaff) -> Staff:
    """The owner creates anyone; a branch admin creates teachers of their own branches. Without a password,
    the new colleague gets an email link to set one."""
    require_role(principal, Role.BRANCH_ADMIN)
    if principal.role is not Role.OWNER:
        ensure(cmd.role is StaffRole.TEACHER and bool(cmd.branch_ids)
               and all(can_manage_branch(principal, b) for b in cmd.branch_ids))
    email = normalise_email(cmd.email)
    first, last = clean_name(cmd.first_name, "firstName"), clean_name(cmd.last_name, "lastName")
    password = check_password(cmd.password) if cmd.password else None
    if cmd.role is not StaffRole.OWNER and not cmd.branch_ids:
        raise InvalidInput("Choose at least one branch.", field="branchIds")
    repo = OrgRepository(uow.session)
    branch_ids = sorted(set(cmd.branch_ids))
    if len(await repo.branches_by_ids(branch_ids)) != len(branch_ids):
        raise BranchNotFound(field="branchIds")
    if await repo.staff_by_email(email) is not None:
        raise EmailTaken(field="email")
    member = Staff(new_id(), cmd.role, first, last, email, branch_ids,
                   await deps.hasher.hash(password) if password else None, None, deps.now())
    await repo.add_staff(member)
    uow.publish(StaffCreated(staff_id=member.id, role=member.role.value, branch_ids=branch_ids,
                             first_name=first, last_name=last))
    outgoing = [] if password else [await _reset_link(deps, uow, STAFF, member.id, email,
                                                      "Welcome to Kabinet: set your password")]
    await uow.commit()
    await deps.deliver(outgoing)
    return member
