"""A branch's billing settings: when lessons are charged, whether expired lessons burn, the make-up rule."""

from __future__ import annotations

from dataclasses import dataclass

from billing.domain.records import Branch
from billing.service.access import require_branch_managed
from billing.service.unit_of_work import BillingUnitOfWork
from kabinet.auth.principal import Principal


@dataclass(frozen=True)
class SetBranchSettings:
    branch_id: str
    charge_on: str | None = None  # scheduling | attendance; None: unchanged
    burn_expired_lessons: bool | None = None
    makeup_charge: str | None = None  # from_package | as_lesson | free


async def set_branch_settings(cmd: SetBranchSettings, uow: BillingUnitOfWork, p: Principal) -> Branch:
    require_branch_managed(p, cmd.branch_id)
    await uow.projections.set_branch_settings(cmd.branch_id, cmd.charge_on, cmd.burn_expired_lessons,
                                              cmd.makeup_charge)
    branch = await uow.projections.branch(cmd.branch_id)
    assert branch is not None
    await uow.commit()
    return branch
