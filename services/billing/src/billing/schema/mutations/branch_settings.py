"""Mutations: A branch's billing settings."""

from __future__ import annotations

import strawberry

from billing.schema.context import GInfo, uows
from billing.schema.errors import UserError
from billing.schema.types import (
    BranchBillingSettings,
    BranchBillingSettingsPayload,
    ChargeModeGQL,
    MakeupChargeGQL,
)
from billing.service import (
    branch_settings,
)
from billing.service.unit_of_work import BillingUnitOfWork
from kabinet.graphql.mutations import attempt


@strawberry.input
class BranchBillingSettingsInput:
    branch_id: strawberry.ID
    charge_on: ChargeModeGQL | None = None
    burn_expired_lessons: bool | None = None
    makeup_charge: MakeupChargeGQL | None = None


@strawberry.type
class BranchSettingsMutations:
    @strawberry.mutation(description="Set how the branch charges lessons (at scheduling or at attendance) and "
                                     "make-ups.")
    async def set_branch_billing_settings(self, info: GInfo, input: BranchBillingSettingsInput
                                          ) -> BranchBillingSettingsPayload:
        cmd = branch_settings.SetBranchSettings(str(input.branch_id),
                                                input.charge_on.value if input.charge_on else None,
                                                input.burn_expired_lessons,
                                                input.makeup_charge.value if input.makeup_charge else None)

        async def run(uow: BillingUnitOfWork) -> BranchBillingSettings:
            b = await branch_settings.set_branch_settings(cmd, uow, info.context.principal)
            return BranchBillingSettings.from_row(input.branch_id, b)

        settings, errors = await attempt(error=UserError, within=uows(info), fn=run)
        return BranchBillingSettingsPayload(settings=settings, errors=errors)
