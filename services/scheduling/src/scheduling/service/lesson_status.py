"""A lesson's status follows what happened (issue #11): conducted when learning says its sheet was saved (the
``learning.lesson.conducted`` handler), missed when no sheet came within the branch's limit (this job),
cancelled by the admin. Only cancelled lessons stop holding their teacher, room and students."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime

from kabinet.auth.principal import Principal
from kabinet.errors import InvalidInput
from scheduling.domain.access import require_branch_admin
from scheduling.service.common import get_branch
from scheduling.service.unit_of_work import SchedulingUnitOfWork

log = logging.getLogger(__name__)
MAX_DEADLINE_HOURS = 24 * 31


async def mark_missed_lessons(new_uow: Callable[[], AbstractAsyncContextManager[SchedulingUnitOfWork]],
                              now: datetime) -> int:
    """Mark published lessons whose sheet is overdue as missed; safe to repeat and to run on every replica."""
    async with new_uow() as uow:
        marked = await uow.lessons.mark_missed(now)
        await uow.commit()
    if marked:
        log.info("lessons marked missed", extra={"count": marked})
    return marked


@dataclass(frozen=True)
class SetSheetDeadline:
    branch_id: str
    hours: int


async def set_sheet_deadline(cmd: SetSheetDeadline, uow: SchedulingUnitOfWork, p: Principal) -> int:
    """How long after a lesson's end its sheet may still be saved before the lesson counts as missed."""
    require_branch_admin(p, cmd.branch_id)
    await get_branch(uow, cmd.branch_id)
    if not 1 <= cmd.hours <= MAX_DEADLINE_HOURS:
        raise InvalidInput(f"The limit is 1 to {MAX_DEADLINE_HOURS} hours.", field="hours")
    await uow.projections.set_sheet_deadline(cmd.branch_id, cmd.hours)
    await uow.commit()
    return cmd.hours
