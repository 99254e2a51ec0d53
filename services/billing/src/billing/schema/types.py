"""Billing's part of the graph: the Family entity gains its account."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from billing.adapters.repositories import AccountRepository
from billing.domain.model import FamilyAccount
from kabinet.auth.principal import Role
from kabinet.errors import Forbidden
from kabinet.graphql.context import RequestContext
from kabinet.graphql.types import Money


def account_by_family_loader(ctx: RequestContext) -> DataLoader[str, FamilyAccount | None]:
    async def load(family_ids: Sequence[str]) -> list[FamilyAccount | None]:
        async with ctx.runtime.sessionmaker() as session:
            found = await AccountRepository(session).by_families(list(family_ids))
        return [found.get(fid) for fid in family_ids]

    return DataLoader(load_fn=load)


@strawberry.type(description="A family's shared account (R-BIL-1).")
class Account:
    id: strawberry.ID
    balance: Money


async def account_for(info: Info[RequestContext, None], family_id: str) -> Account | None:
    acc = await info.context.loader("account_by_family", account_by_family_loader).load(family_id)
    if acc is None:
        return None
    return Account(id=strawberry.ID(acc.id), balance=Money.from_value(acc.balance_money))


@strawberry.federation.type(keys=["id"])
class Family:
    id: strawberry.ID

    @strawberry.field(description="The family's account; null until its first student is registered.")
    async def account(self, info: Info[RequestContext, None]) -> Account | None:
        return await account_for(info, str(self.id))

    @classmethod
    def resolve_reference(cls, info: Info[RequestContext, None], id: strawberry.ID) -> Family:
        p = info.context.principal
        # Identity checks the family's branches; billing itself refuses guardians of other families.
        if p.role in (Role.GUARDIAN, Role.STUDENT) and p.family_id != str(id):
            raise Forbidden()
        return cls(id=id)
