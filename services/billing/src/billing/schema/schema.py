import strawberry
from strawberry.types import Info

from billing.schema.types import Account, Family, account_for
from kabinet.auth.rules import ensure, require_authenticated
from kabinet.graphql.context import RequestContext
from kabinet.graphql.schema import subgraph_schema


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in family's account.")
    async def my_account(self, info: Info[RequestContext, None]) -> Account | None:
        p = info.context.principal
        require_authenticated(p)
        ensure(p.family_id is not None)
        return await account_for(info, str(p.family_id))


schema = subgraph_schema(Query, types=[Family, Account])
