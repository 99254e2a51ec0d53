"""Per-request DataLoaders, named by relation (one query per relation per request, never one per object)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from identity.adapters.question_repository import QuestionRepository
from identity.adapters.repositories import (
    FamilyRepository,
    GuardianRepository,
    OrgRepository,
    StudentLogin,
    StudentLoginRepository,
    TeachingRepository,
)
from identity.domain.model import Branch, Family, Guardian, Staff, Student
from identity.domain.questions import Question
from kabinet.graphql.context import RequestContext

K = TypeVar("K")
V = TypeVar("V")


def _loader(ctx: RequestContext, fetch: Callable[[Any, list[str]], Awaitable[dict[str, Any]]],
            default: Any = None) -> DataLoader[str, Any]:
    async def load(keys: Sequence[str]) -> list[Any]:
        async with ctx.reads() as session:
            found = await fetch(session, list(keys))
        return [found.get(k, default() if callable(default) else default) for k in keys]

    return DataLoader(load_fn=load)


def students_by_family_loader(ctx: RequestContext) -> DataLoader[str, list[Student]]:
    return _loader(ctx, lambda s, ids: FamilyRepository(s).students_of(ids), list)


def student_login_loader(ctx: RequestContext) -> DataLoader[str, StudentLogin | None]:
    return _loader(ctx, lambda s, ids: StudentLoginRepository(s).of_students(ids))


def family_by_id_loader(ctx: RequestContext) -> DataLoader[str, Family | None]:
    return _loader(ctx, lambda s, ids: FamilyRepository(s).families_by_ids(ids))


def student_by_id_loader(ctx: RequestContext) -> DataLoader[str, Student | None]:
    return _loader(ctx, lambda s, ids: FamilyRepository(s).students_by_ids(ids))


def guardians_by_family_loader(ctx: RequestContext) -> DataLoader[str, list[Guardian]]:
    return _loader(ctx, lambda s, ids: GuardianRepository(s).of_families(ids), list)


def consented_student_loader(ctx: RequestContext) -> DataLoader[str, bool]:
    async def fetch(s: Any, ids: list[str]) -> dict[str, bool]:
        got = await FamilyRepository(s).consents_of(ids)
        return {k: any(c.in_force for c in v) for k, v in got.items()}

    return _loader(ctx, fetch, False)


def branch_by_id_loader(ctx: RequestContext) -> DataLoader[str, Branch | None]:
    return _loader(ctx, lambda s, ids: OrgRepository(s).branches_by_ids(ids))


def staff_by_id_loader(ctx: RequestContext) -> DataLoader[str, Staff | None]:
    return _loader(ctx, lambda s, ids: OrgRepository(s).staff_by_ids(ids))


def question_by_id_loader(ctx: RequestContext) -> DataLoader[str, Question | None]:
    return _loader(ctx, lambda s, ids: QuestionRepository(s).by_ids(ids))


def taught_by_me_loader(ctx: RequestContext) -> DataLoader[str, bool]:
    """student id -> does the calling teacher teach them."""
    teacher = ctx.principal.staff_id or ""

    async def fetch(s: Any, ids: list[str]) -> dict[str, bool]:
        taught = await TeachingRepository(s).taught_by(teacher, ids)
        return {i: i in taught for i in ids}

    return _loader(ctx, fetch, False)


def teaches_my_family_loader(ctx: RequestContext) -> DataLoader[str, bool]:
    """staff id -> does that teacher teach a student of the calling family."""
    kids = sorted(ctx.principal.student_ids)

    async def fetch(s: Any, ids: list[str]) -> dict[str, bool]:
        repo = TeachingRepository(s)
        return {i: bool(kids) and bool(await repo.taught_by(i, kids)) for i in ids}

    return _loader(ctx, fetch, False)
