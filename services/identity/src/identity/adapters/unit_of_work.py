"""The SQLAlchemy unit of work: the kit's transaction + outbox, with identity's repositories built from its
session (implements identity.service.unit_of_work.IdentityUnitOfWork)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

from identity.adapters.repositories.confirmations import SqlConfirmationRepository
from identity.adapters.repositories.credentials import (
    SqlCodeRepository,
    SqlEmailLinkRepository,
    SqlSessionRepository,
    SqlThrottleRepository,
)
from identity.adapters.repositories.families import SqlFamilyRepository
from identity.adapters.repositories.guardians import SqlGuardianRepository
from identity.adapters.repositories.leads import SqlLeadRepository
from identity.adapters.repositories.messengers import SqlMessengerRepository
from identity.adapters.repositories.notifications import SqlNotificationRepository
from identity.adapters.repositories.org import SqlBranchRepository, SqlStaffRepository
from identity.adapters.repositories.projections import SqlTeachingProjection
from identity.adapters.repositories.questions import SqlQuestionRepository
from identity.adapters.repositories.students import SqlStudentLoginRepository, SqlStudentRepository
from identity.adapters.repositories.web_push import SqlWebPushRepository
from identity.adapters.tables import idempotency_keys
from identity.domain.leads import LeadWinRecord
from identity.service.ports import IdentityPorts
from kabinet.db import SqlKeyStore, UnitOfWork
from kabinet.events import Envelope, EventContract
from kabinet.idempotency import Idempotency


class SqlIdentityUnitOfWork:
    """Identity's repositories over one kit unit of work (its transaction and outbox): ``commit`` and
    ``publish`` are the kit's. ``ports`` is None only where nothing needs them (bootstrap gives the event
    handlers identity's: notifications read the clock and the settings)."""

    def __init__(self, kit: UnitOfWork, ports: IdentityPorts | None) -> None:
        self.kit = kit
        self._ports = ports
        s = kit.session
        self.families = SqlFamilyRepository(s)
        self.students = SqlStudentRepository(s)
        self.guardians = SqlGuardianRepository(s)
        self.student_logins = SqlStudentLoginRepository(s)
        self.branches = SqlBranchRepository(s)
        self.staff = SqlStaffRepository(s)
        self.codes = SqlCodeRepository(s)
        self.email_links = SqlEmailLinkRepository(s)
        self.sessions = SqlSessionRepository(s)
        self.throttles = SqlThrottleRepository(s)
        self.child_requests = Idempotency(SqlKeyStore(s, idempotency_keys), str)
        self.confirmations = SqlConfirmationRepository(s)
        self.questions = SqlQuestionRepository(s)
        self.teachings = SqlTeachingProjection(s)
        self.leads = SqlLeadRepository(s)
        self.lead_requests = Idempotency(SqlKeyStore(s, idempotency_keys), LeadWinRecord)
        self.notifications = SqlNotificationRepository(s)
        self.messengers = SqlMessengerRepository(s)
        self.web_push = SqlWebPushRepository(s)

    @property
    def ports(self) -> IdentityPorts:
        if self._ports is None:
            raise RuntimeError("this unit of work handles events: it has no ports")
        return self._ports

    async def commit(self) -> None:
        await self.kit.commit()

    def publish(self, event: EventContract) -> Envelope:
        return self.kit.publish(event)


@contextlib.asynccontextmanager
async def identity_uow(kit_factory: Callable[[], UnitOfWork],
                       ports: IdentityPorts) -> AsyncIterator[SqlIdentityUnitOfWork]:
    """``async with identity_uow(runtime.uow, ports) as uow``: leaving without ``commit()`` rolls back."""
    async with kit_factory() as kit:
        yield SqlIdentityUnitOfWork(kit, ports)


def service_uow(kit: UnitOfWork, ports: IdentityPorts | None = None) -> SqlIdentityUnitOfWork:
    """Identity's unit of work over the kit's one the inbox opened (its transaction, with the inbox rows): what
    the event handlers get (``ServiceSpec(service_uow=...)``; bootstrap binds the runtime's ports)."""
    return SqlIdentityUnitOfWork(kit, ports)
