"""The signed-in user's own password."""

from __future__ import annotations

import strawberry

from identity.entrypoints import session_cookie
from identity.schema.common import Ctx, run
from identity.schema.inputs import SetPasswordInput
from identity.schema.types import AuthPayload
from identity.service import accounts


@strawberry.type
class AccountMutations:
    @strawberry.mutation(description="Set or change the signed-in user's own password (the current one is needed "
                                     "to change it). Other sessions end; the payload carries new tokens.")
    async def set_password(self, info: Ctx, input: SetPasswordInput) -> AuthPayload:
        got, errors = await run(info, accounts.set_password,
                                accounts.SetPassword(input.new_password, input.current_password))
        return AuthPayload(session=session_cookie.deliver(info, got), errors=errors)
