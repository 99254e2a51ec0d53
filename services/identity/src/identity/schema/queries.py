from __future__ import annotations

import strawberry
from strawberry.types import Info

from identity.schema.types import Family, visible_family
from kabinet.auth.rules import require_authenticated
from kabinet.graphql.context import RequestContext


@strawberry.type
class Query:
    @strawberry.field(description="A family by id (guardians see their own; branch admins their branch's).")
    async def family(self, info: Info[RequestContext, None], id: strawberry.ID) -> Family | None:
        require_authenticated(info.context.principal)
        return await visible_family(info, str(id))

    @strawberry.field(description="The signed-in guardian's family cabinet.")
    async def my_family(self, info: Info[RequestContext, None]) -> Family | None:
        principal = info.context.principal
        require_authenticated(principal)
        if principal.family_id is None:
            return None
        return await visible_family(info, principal.family_id)
