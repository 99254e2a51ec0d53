"""Per-request DataLoaders, named by relation (one query per relation per request, never one per object).
Each is a typed attribute of ``IdentityLoaders``; ``loaders(info)`` gives the request's set."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from identity.domain.credentials import StudentLogin
from identity.domain.model import Branch, Family, Guardian, Staff, Student
from identity.domain.questions import Question
from identity.schema.common import Ctx, reads_of
from identity.service.unit_of_work import IdentityReads
from kabinet.auth.principal import Principal
from kabinet.graphql.context import RequestContext

V = TypeVar("V")


Fetch = Callable[[list[str]], Awaitable[dict[str, V]]]


def _by_key(fetch: Fetch[V], default: Callable[[], V]) -> DataLoader[str, V]:
    """Keys without a value get ``default()`` (a fresh one each: an empty list is never shared)."""

    async def load(keys: Sequence[str]) -> list[V]:
        found = await fetch(list(keys))
        return [found[k] if k in found else default() for k in keys]

    return DataLoader(load_fn=load)


def _one(fetch: Fetch[V]) -> DataLoader[str, V | None]:
    """Keys without a value load None."""

    async def load(keys: Sequence[str]) -> list[V | None]:
        found = await fetch(list(keys))
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)


class IdentityLoaders:
    def __init__(self, reads: IdentityReads, principal: Principal) -> None:
        self.family_by_id: DataLoader[str, Family | None] = _one(reads.families)
        self.branch_by_id: DataLoader[str, Branch | None] = _one(reads.branches)

        async def students_of_families(ids: list[str]) -> dict[str, list[Student]]:
            """The students come with their branches and consents (one statement): those loaders keep them."""
            found = await reads.students_of_families(ids)
            self.branch_by_id.prime_many(found.branches)
            self.consented_student.prime_many(found.consented)
            return found.students

        self.students_by_family: DataLoader[str, list[Student]] = _by_key(students_of_families, list)
        own_family = principal.family_id

        async def students(ids: list[str]) -> dict[str, Student]:
            """A family's member asks for its own children (the cabinet: the family's list and one child):
            the family's rows, which the family's list loads anyway, answer them; any other id is read by id.
            The same rows either way, and the access rule still checks each one."""
            found: dict[str, Student] = {}
            if own_family is not None:
                found = {s.id: s for s in await self.students_by_family.load(own_family) if s.id in ids}
            missing = [i for i in ids if i not in found]
            return found | (await reads.students(missing) if missing else {})

        self.student_by_id: DataLoader[str, Student | None] = _one(students)
        self.guardians_by_family: DataLoader[str, list[Guardian]] = _by_key(reads.guardians_of_families, list)
        self.student_login: DataLoader[str, StudentLogin | None] = _one(reads.student_logins)
        self.consented_student: DataLoader[str, bool] = _by_key(reads.consented, bool)
        self.staff_by_id: DataLoader[str, Staff | None] = _one(reads.staff)
        self.question_by_id: DataLoader[str, Question | None] = _one(reads.questions)
        teacher = principal.staff_id or ""
        kids = sorted(principal.student_ids)

        async def taught_by_me(ids: list[str]) -> dict[str, bool]:
            """student id -> does the calling teacher teach them."""
            taught = await reads.taught_by(teacher, ids)
            return {i: i in taught for i in ids}

        async def teaches_my_family(ids: list[str]) -> dict[str, bool]:
            """staff id -> does that teacher teach a student of the calling family."""
            return {i: bool(kids) and bool(await reads.taught_by(i, kids)) for i in ids}

        self.taught_by_me: DataLoader[str, bool] = _by_key(taught_by_me, bool)
        self.teaches_my_family: DataLoader[str, bool] = _by_key(teaches_my_family, bool)


def _build(ctx: RequestContext) -> IdentityLoaders:
    return IdentityLoaders(reads_of(ctx), ctx.principal)


def loaders(info: Ctx) -> IdentityLoaders:
    """The request's loaders (created once per request: they cache)."""
    found = info.context.loader("identity.loaders", _build)
    assert isinstance(found, IdentityLoaders)
    return found
