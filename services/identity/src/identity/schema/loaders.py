"""Per-request DataLoaders, named by relation."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from identity.adapters.repositories import FamilyRepository
from identity.domain.model import Family, Student
from kabinet.graphql.context import RequestContext


def students_by_family_loader(ctx: RequestContext) -> DataLoader[str, list[Student]]:
    async def load(family_ids: Sequence[str]) -> list[list[Student]]:
        async with ctx.runtime.sessionmaker() as session:
            found = await FamilyRepository(session).students_of(list(family_ids))
        return [found.get(fid, []) for fid in family_ids]

    return DataLoader(load_fn=load)


def family_by_id_loader(ctx: RequestContext) -> DataLoader[str, Family | None]:
    async def load(ids: Sequence[str]) -> list[Family | None]:
        async with ctx.runtime.sessionmaker() as session:
            found = await FamilyRepository(session).families_by_ids(list(ids))
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)
