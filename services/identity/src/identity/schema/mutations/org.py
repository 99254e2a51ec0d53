"""Branches and staff."""

from __future__ import annotations

import strawberry

from identity.domain.model import StaffRole
from identity.schema.common import Ctx, run
from identity.schema.entities import Branch, Staff
from identity.schema.inputs import CreateBranchInput, CreateStaffInput, UpdateBranchInput
from identity.schema.types import BranchPayload, StaffPayload
from identity.service import org


@strawberry.type
class OrgMutations:
    @strawberry.mutation(description="Open a branch (owner).")
    async def create_branch(self, info: Ctx, input: CreateBranchInput) -> BranchPayload:
        cmd = org.CreateBranch(input.name, input.city, input.time_zone, input.address)
        got, errors = await run(info, org.create_branch, cmd)
        return BranchPayload(branch=Branch.from_model(got) if got else None, errors=errors)

    @strawberry.mutation(description="Change a branch (owner, or the branch's admin).")
    async def update_branch(self, info: Ctx, input: UpdateBranchInput) -> BranchPayload:
        cmd = org.UpdateBranch(str(input.id), input.name, input.city, input.time_zone, input.address)
        got, errors = await run(info, org.update_branch, cmd)
        return BranchPayload(branch=Branch.from_model(got) if got else None, errors=errors)

    @strawberry.mutation(description="Create a staff account (owner: anyone; branch admin: teachers of own branch).")
    async def create_staff(self, info: Ctx, input: CreateStaffInput) -> StaffPayload:
        cmd = org.CreateStaff(StaffRole(input.role.value), input.email, input.first_name, input.last_name,
                              tuple(str(b) for b in input.branch_ids), input.password)
        got, errors = await run(info, org.create_staff, cmd)
        return StaffPayload(staff=Staff.from_model(got) if got else None, errors=errors)
