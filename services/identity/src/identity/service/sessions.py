"""Access tokens (short-lived JWTs) and rotating refresh tokens; reusing a spent refresh token revokes the chain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from identity.adapters.credential_store import CredentialStore
from identity.adapters.repositories import FamilyRepository, GuardianRepository, OrgRepository
from identity.domain.credentials import hash_secret, new_opaque_token
from identity.domain.errors import CabinetNotOpen, InvalidRefreshToken
from identity.domain.model import Guardian, Staff, Student, new_id
from identity.service.deps import IdentityDeps
from kabinet.auth.principal import Principal, Role
from kabinet.db import UnitOfWork

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


async def guardian_principal(uow: UnitOfWork, g: Guardian, *, require_access: bool = True) -> Principal:
    repo = FamilyRepository(uow.session)
    family = await repo.get(g.family_id)
    if family is None or (require_access and not family.access_open):
        raise CabinetNotOpen()
    kids = [s for s in (await repo.students_of([family.id]))[family.id] if not s.erased]
    return Principal(user_id=g.id, role=Role.GUARDIAN, family_id=family.id,
                     student_ids=frozenset(s.id for s in kids),
                     branch_ids=frozenset(s.branch_id for s in kids if s.branch_id))


async def student_principal(uow: UnitOfWork, s: Student) -> Principal:
    """A child signed in with their own login: their own data only, while the family cabinet is open."""
    family = await FamilyRepository(uow.session).get(s.family_id)
    if family is None or not family.access_open or s.erased:
        raise CabinetNotOpen()
    return Principal(user_id=s.id, role=Role.STUDENT, family_id=s.family_id, student_ids=frozenset({s.id}),
                     branch_ids=frozenset({s.branch_id} if s.branch_id else ()))


def staff_principal(s: Staff) -> Principal:
    return Principal(user_id=s.id, role=Role(s.role.value), branch_ids=frozenset(s.branch_ids), staff_id=s.id)


async def start_session(deps: IdentityDeps, uow: UnitOfWork, kind: str, principal: Principal,
                        chain_id: str | None = None) -> AuthSession:
    """Issue an access token and a refresh token (a new chain, or the next link of ``chain_id``)."""
    assert principal.user_id is not None
    now = deps.now()
    refresh = new_opaque_token()
    await CredentialStore(uow.session).add_refresh(
        hash_secret(deps.pepper, refresh), chain_id or new_id(), kind, principal.user_id, now,
        now + timedelta(days=deps.settings.refresh_ttl_days))
    return AuthSession(deps.issuer.issue(principal), refresh, deps.issuer.ttl_s, principal,
                       await _children_in_order(uow, principal))


async def _children_in_order(uow: UnitOfWork, principal: Principal) -> tuple[str, ...]:
    if principal.family_id is None or not principal.student_ids:
        return ()
    kids = (await FamilyRepository(uow.session).students_of([principal.family_id]))[principal.family_id]
    return tuple(s.id for s in kids if s.id in principal.student_ids)


async def principal_of(uow: UnitOfWork, kind: str, subject_id: str) -> Principal | None:
    if kind == GUARDIAN:
        g = await GuardianRepository(uow.session).get(subject_id)
        return None if g is None else await guardian_principal(uow, g)
    if kind == STUDENT:
        student = await FamilyRepository(uow.session).student(subject_id)
        return None if student is None else await student_principal(uow, student)
    found = await OrgRepository(uow.session).staff_by_ids([subject_id])
    return staff_principal(found[subject_id]) if subject_id in found else None


async def refresh_session(deps: IdentityDeps, uow: UnitOfWork, refresh_token: str) -> AuthSession:
    """Rotate: the presented token is spent and a new one issued in the same chain. A spent token presented
    again means it was stolen (or the client is broken): the whole chain is revoked, both holders sign in again."""
    store = CredentialStore(uow.session)
    now = deps.now()
    token = await store.refresh(hash_secret(deps.pepper, refresh_token))
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        raise InvalidRefreshToken()
    if token.used_at is not None:
        await store.revoke_chain(token.chain_id, now)
        await uow.commit()
        raise InvalidRefreshToken()
    await store.mark_refresh_used(token.id, now)
    try:
        principal = await principal_of(uow, token.subject_kind, token.subject_id)
    except CabinetNotOpen:
        principal = None
    if principal is None:  # the account is gone or its cabinet was closed
        await store.revoke_chain(token.chain_id, now)
        await uow.commit()
        raise InvalidRefreshToken()
    session = await start_session(deps, uow, token.subject_kind, principal, token.chain_id)
    await uow.commit()
    return session


async def end_session(deps: IdentityDeps, uow: UnitOfWork, refresh_token: str) -> None:
    store = CredentialStore(uow.session)
    token = await store.refresh(hash_secret(deps.pepper, refresh_token))
    if token is not None:
        await store.revoke_chain(token.chain_id, deps.now())
    await uow.commit()
