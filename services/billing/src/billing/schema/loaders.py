"""Per-request DataLoaders, named by relation (one query per relation per request: no N+1)."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from billing.adapters import queries
from billing.adapters.repositories import AccountRepository, ProjectionRepository, SubscriptionRepository
from billing.domain.model import FamilyAccount, Subscription
from billing.domain.records import Invoice, Payment, Student
from kabinet.graphql.context import RequestContext


def account_by_family_loader(ctx: RequestContext) -> DataLoader[str, FamilyAccount | None]:
    async def load(family_ids: Sequence[str]) -> list[FamilyAccount | None]:
        async with ctx.reads() as session:
            found = await AccountRepository(session).by_families(list(family_ids))
        return [found.get(fid) for fid in family_ids]

    return DataLoader(load_fn=load)


def branches_by_family_loader(ctx: RequestContext) -> DataLoader[str, set[str]]:
    async def load(family_ids: Sequence[str]) -> list[set[str]]:
        async with ctx.reads() as session:
            found = await ProjectionRepository(session).families_branches(list(family_ids))
        return [found.get(fid, set()) for fid in family_ids]

    return DataLoader(load_fn=load)


def student_by_id_loader(ctx: RequestContext) -> DataLoader[str, Student | None]:
    async def load(ids: Sequence[str]) -> list[Student | None]:
        async with ctx.reads() as session:
            found = await ProjectionRepository(session).students_by_ids(list(ids))
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def subscriptions_by_student_loader(ctx: RequestContext) -> DataLoader[str, list[Subscription]]:
    async def load(ids: Sequence[str]) -> list[list[Subscription]]:
        async with ctx.reads() as session:
            found = await SubscriptionRepository(session).of_students(list(ids))
        return [found.get(i, []) for i in ids]

    return DataLoader(load_fn=load)


def subscriptions_by_family_loader(ctx: RequestContext) -> DataLoader[str, list[Subscription]]:
    async def load(ids: Sequence[str]) -> list[list[Subscription]]:
        async with ctx.reads() as session:
            found = await SubscriptionRepository(session).of_families(list(ids))
        return [found.get(i, []) for i in ids]

    return DataLoader(load_fn=load)


def payments_by_family_loader(ctx: RequestContext) -> DataLoader[str, list[Payment]]:
    async def load(ids: Sequence[str]) -> list[list[Payment]]:
        async with ctx.reads() as session:
            found = await queries.payments_of(session, list(ids))
        return [found.get(i, []) for i in ids]

    return DataLoader(load_fn=load)


def invoices_by_family_loader(ctx: RequestContext) -> DataLoader[str, list[Invoice]]:
    async def load(ids: Sequence[str]) -> list[list[Invoice]]:
        async with ctx.reads() as session:
            found = await queries.invoices_of(session, list(ids))
        return [found.get(i, []) for i in ids]

    return DataLoader(load_fn=load)
