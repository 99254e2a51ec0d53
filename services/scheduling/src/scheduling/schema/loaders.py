"""Per-request DataLoaders, named by relation (no N+1: each batches one query per request step)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from strawberry.dataloader import DataLoader

from kabinet.graphql.context import RequestContext
from scheduling.adapters.repositories import (
    BookingRepository,
    CatalogueRepository,
    GroupRepository,
    LessonRepository,
    ProjectionRepository,
    StudentRef,
    TrialRepository,
)
from scheduling.domain.model import (
    Booking,
    Branch,
    Group,
    Lesson,
    Membership,
    Participant,
    Room,
    Trial,
    utcnow,
)


def lesson_by_id_loader(ctx: RequestContext) -> DataLoader[str, Lesson | None]:
    async def load(ids: Sequence[str]) -> list[Lesson | None]:
        async with ctx.reads() as s:
            found = await LessonRepository(s).by_ids(list(ids), with_participants=True)
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def participants_by_lesson_loader(ctx: RequestContext) -> DataLoader[str, list[Participant]]:
    async def load(ids: Sequence[str]) -> list[list[Participant]]:
        async with ctx.reads() as s:
            found = await LessonRepository(s).participants_of(list(ids))
        return [found.get(i, []) for i in ids]

    return DataLoader(load_fn=load)


def group_by_id_loader(ctx: RequestContext) -> DataLoader[str, Group | None]:
    async def load(ids: Sequence[str]) -> list[Group | None]:
        async with ctx.reads() as s:
            found = await GroupRepository(s).by_ids(list(ids))
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def memberships_by_group_loader(ctx: RequestContext) -> DataLoader[str, list[Membership]]:
    async def load(ids: Sequence[str]) -> list[list[Membership]]:
        async with ctx.reads() as s:
            found = await GroupRepository(s).memberships_of_groups(list(ids))
        return [found.get(i, []) for i in ids]

    return DataLoader(load_fn=load)


def student_by_id_loader(ctx: RequestContext) -> DataLoader[str, StudentRef | None]:
    async def load(ids: Sequence[str]) -> list[StudentRef | None]:
        async with ctx.reads() as s:
            found = await ProjectionRepository(s).students(list(ids))
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def booked_count_by_student_loader(ctx: RequestContext) -> DataLoader[str, int]:
    now: datetime = utcnow()

    async def load(ids: Sequence[str]) -> list[int]:
        async with ctx.reads() as s:
            found = await LessonRepository(s).upcoming_counts(list(ids), now)
        return [found.get(i, 0) for i in ids]

    return DataLoader(load_fn=load)


def bookings_by_student_loader(ctx: RequestContext) -> DataLoader[str, list[Booking]]:
    async def load(ids: Sequence[str]) -> list[list[Booking]]:
        async with ctx.reads() as s:
            found = await BookingRepository(s).of_students(list(ids))
        return [found.get(i, []) for i in ids]

    return DataLoader(load_fn=load)


def trial_by_family_loader(ctx: RequestContext) -> DataLoader[str, Trial | None]:
    async def load(ids: Sequence[str]) -> list[Trial | None]:
        async with ctx.reads() as s:
            found = await TrialRepository(s).of_families(list(ids))
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def room_by_id_loader(ctx: RequestContext) -> DataLoader[str, Room | None]:
    async def load(ids: Sequence[str]) -> list[Room | None]:
        async with ctx.reads() as s:
            found = {r.id: r for r in await CatalogueRepository(s).rooms(ids=list(ids))}
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def branch_by_id_loader(ctx: RequestContext) -> DataLoader[str, Branch | None]:
    async def load(ids: Sequence[str]) -> list[Branch | None]:
        async with ctx.reads() as s:
            found = await ProjectionRepository(s).branches(list(ids))
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)
