"""Identity's GraphQL enums."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="How a password reset reaches the user.")
class ResetChannel(Enum):
    EMAIL = "email"
    SMS = "sms"


@strawberry.enum(description="Staff roles.")
class StaffRoleInput(Enum):
    TEACHER = "teacher"
    BRANCH_ADMIN = "branch_admin"
    OWNER = "owner"


@strawberry.enum(description="DONE: attached now. PENDING_CONFIRMATION: the family's guardian must confirm first "
                             "(a code went to the family's phone); nothing of the family is shown until then.")
class AttachStatus(Enum):
    DONE = "done"
    PENDING_CONFIRMATION = "pending_confirmation"
