"""Access tokens (short-lived JWTs) and rotating refresh tokens; reusing a spent refresh token revokes the chain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from identity.domain.credentials import hash_secret, new_opaque_token
from identity.domain.errors import CabinetNotOpen, InvalidRefreshToken
from identity.domain.model import Guardian, Staff, Student, new_id
from identity.service.unit_of_work import IdentityUnitOfWork
from kabinet.auth.principal import Principal, Role

GUARDIAN, STAFF, STUDENT = "guardian", "staff", "student"


@dataclass(frozen=True)
class AuthSession:
    access_token: str
    refresh_token: str
    expires_in: int
    principal: Principal
    # The family's children the session may see, in the cabinet's order (oldest record first), so a client
    # can open the first child's home at once.
    student_ids: tuple[str, ...] = ()


async def guardian_principal(uow: IdentityUnitOfWork, g: Guardian, *, require_access: bool = True) -> Principal:
    family = await uow.families.get(g.family_id)
    if family is None or (require_access and not family.access_open):
        raise CabinetNotOpen()
    kids = [s for s in (await uow.students.of_families([family.id]))[family.id] if not s.erased]
    return Principal(user_id=g.id, role=Role.GUARDIAN, family_id=family.id,
                     student_ids=frozenset(s.id for s in kids),
                     branch_ids=frozenset(s.branch_id for s in kids if s.branch_id))


async def student_principal(uow: IdentityUnitOfWork, s: Student) -> Principal:
    """A child signed in with their own login: their own data only, while the family cabinet is open."""
    family = await uow.families.get(s.family_id)
    if family is None or not family.access_open or s.erased:
        raise CabinetNotOpen()
    return Principal(user_id=s.id, role=Role.STUDENT, family_id=s.family_id, student_ids=frozenset({s.id}),
                     branch_ids=frozenset({s.branch_id} if s.branch_id else ()))


def staff_principal(s: Staff) -> Principal:
    return Principal(user_id=s.id, role=Role(s.role.value), branch_ids=frozenset(s.branch_ids), staff_id=s.id)


async def start_session(uow: IdentityUnitOfWork, kind: str, principal: Principal,
                        chain_id: str | None = None) -> AuthSession:
    """Issue an access token and a refresh token (a new chain, or the next link of ``chain_id``)."""
    assert principal.user_id is not None
    ports = uow.ports
    now = ports.now()
    refresh = new_opaque_token()
    await uow.sessions.add(hash_secret(ports.pepper, refresh), chain_id or new_id(), kind, principal.user_id, now,
                           now + timedelta(days=ports.settings.refresh_ttl_days))
    return AuthSession(ports.issuer.issue(principal), refresh, ports.issuer.ttl_s, principal,
                       await _children_in_order(uow, principal))


async def _children_in_order(uow: IdentityUnitOfWork, principal: Principal) -> tuple[str, ...]:
    if principal.family_id is None or not principal.student_ids:
        return ()
    kids = (await uow.students.of_families([principal.family_id]))[principal.family_id]
    return tuple(s.id for s in kids if s.id in principal.student_ids)


async def principal_of(uow: IdentityUnitOfWork, kind: str, subject_id: str) -> Principal | None:
    if kind == GUARDIAN:
        g = await uow.guardians.get(subject_id)
        return None if g is None else await guardian_principal(uow, g)
    if kind == STUDENT:
        student = await uow.students.get(subject_id)
        return None if student is None else await student_principal(uow, student)
    found = await uow.staff.by_ids([subject_id])
    return staff_principal(found[subject_id]) if subject_id in found else None


@dataclass(frozen=True)
class RefreshSession:
    refresh_token: str


async def refresh_session(cmd: RefreshSession, uow: IdentityUnitOfWork) -> AuthSession:
    """Rotate: the presented token is spent and a new one issued in the same chain. A spent token presented
    again means it was stolen (or the client is broken): the whole chain is revoked, both holders sign in again."""
    now = uow.ports.now()
    token = await uow.sessions.by_hash(hash_secret(uow.ports.pepper, cmd.refresh_token))
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        raise InvalidRefreshToken()
    if token.used_at is not None:
        await uow.sessions.revoke_chain(token.chain_id, now)
        await uow.commit()
        raise InvalidRefreshToken()
    await uow.sessions.mark_used(token.id, now)
    try:
        principal = await principal_of(uow, token.subject_kind, token.subject_id)
    except CabinetNotOpen:
        principal = None
    if principal is None:  # the account is gone or its cabinet was closed
        await uow.sessions.revoke_chain(token.chain_id, now)
        await uow.commit()
        raise InvalidRefreshToken()
    session = await start_session(uow, token.subject_kind, principal, token.chain_id)
    await uow.commit()
    return session


@dataclass(frozen=True)
class EndSession:
    refresh_token: str


async def end_session(cmd: EndSession, uow: IdentityUnitOfWork) -> None:
    token = await uow.sessions.by_hash(hash_secret(uow.ports.pepper, cmd.refresh_token))
    if token is not None:
        await uow.sessions.revoke_chain(token.chain_id, uow.ports.now())
    await uow.commit()
