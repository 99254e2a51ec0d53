"""Branches and staff (owner creates branches; owner or a branch's admin manage its staff)."""

from __future__ import annotations

from dataclasses import dataclass

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
from identity.service.auth import reset_link
from identity.service.sessions import STAFF
from identity.service.unit_of_work import IdentityUnitOfWork
from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import can_manage_branch, ensure, require_role
from kabinet.errors import InvalidInput


def _branch_event(b: Branch, cls: type[BranchCreated] | type[BranchUpdated]) -> BranchCreated | BranchUpdated:
    return cls(branch_id=b.id, name=b.name, city=b.city, time_zone=b.time_zone, address=b.address)


@dataclass(frozen=True)
class CreateBranch:
    name: str
    city: str
    time_zone: str
    address: str = ""


async def create_branch(cmd: CreateBranch, uow: IdentityUnitOfWork, principal: Principal) -> Branch:
    require_role(principal, Role.OWNER)
    branch = Branch.create(cmd.name, cmd.city, cmd.time_zone, cmd.address)
    await uow.branches.add(branch)
    uow.publish(_branch_event(branch, BranchCreated))
    await uow.commit()
    return branch


@dataclass(frozen=True)
class UpdateBranch:
    branch_id: str
    name: str | None = None
    city: str | None = None
    time_zone: str | None = None
    address: str | None = None


async def update_branch(cmd: UpdateBranch, uow: IdentityUnitOfWork, principal: Principal) -> Branch:
    require_role(principal, Role.BRANCH_ADMIN)
    ensure(can_manage_branch(principal, cmd.branch_id))
    branch = await uow.branches.get(cmd.branch_id)
    if branch is None:
        raise BranchNotFound(field="id")
    if cmd.name is not None:
        branch.name = clean_name(cmd.name, "name")
    if cmd.city is not None:
        branch.city = clean_name(cmd.city, "city")
    if cmd.time_zone is not None:
        branch.time_zone = check_time_zone(cmd.time_zone)
    if cmd.address is not None:
        branch.address = cmd.address.strip()
    await uow.branches.save(branch)
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


async def create_staff(cmd: CreateStaff, uow: IdentityUnitOfWork, principal: Principal) -> Staff:
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
    branch_ids = sorted(set(cmd.branch_ids))
    if len(await uow.branches.by_ids(branch_ids)) != len(branch_ids):
        raise BranchNotFound(field="branchIds")
    if await uow.staff.by_email(email) is not None:
        raise EmailTaken(field="email")
    ports = uow.ports
    member = Staff(new_id(), cmd.role, first, last, email, branch_ids,
                   await ports.hasher.hash(password) if password else None, None, ports.now())
    await uow.staff.add(member)
    uow.publish(StaffCreated(staff_id=member.id, role=member.role.value, branch_ids=branch_ids,
                             first_name=first, last_name=last))
    outgoing = [] if password else [await reset_link(uow, STAFF, member.id, email,
                                                     "Welcome to Kabinet: set your password")]
    await uow.commit()
    await ports.deliver(outgoing)
    return member
