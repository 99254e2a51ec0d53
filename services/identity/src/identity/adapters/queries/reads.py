"""The schema's reads: batched by key for the DataLoaders, each on the request's one read connection
(kabinet.graphql.context.RequestReads). Domain types out; no row leaves this module."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.adapters.repositories.families import (
    SqlFamilyRepository,
    count_families_of_branch,
    families_of_branch,
)
from identity.adapters.repositories.guardians import SqlGuardianRepository
from identity.adapters.repositories.org import SqlBranchRepository, SqlStaffRepository
from identity.adapters.repositories.projections import SqlTeachingProjection
from identity.adapters.repositories.questions import SqlQuestionRepository
from identity.adapters.repositories.students import SqlStudentLoginRepository, SqlStudentRepository, to_student
from identity.adapters.tables import branches, students
from identity.domain.credentials import StudentLogin
from identity.domain.model import Branch, Family, Guardian, Staff, Student
from identity.domain.questions import Question, Topic
from kabinet.db.any_of import any_of

# The family's students with the branch each studies in (one row per student: the cabinet shows both).
_STUDENTS_AND_BRANCHES = (
    select(students, branches.c.name.label("b_name"), branches.c.city.label("b_city"),
           branches.c.time_zone.label("b_time_zone"), branches.c.address.label("b_address"),
           branches.c.created_at.label("b_created_at"))
    .select_from(students.outerjoin(branches, branches.c.id == students.c.branch_id))
    .where(any_of(students.c.family_id, bindparam("ids"))).order_by(students.c.created_at))

SessionScope = Callable[[], contextlib.AbstractAsyncContextManager[AsyncSession]]


class SqlIdentityReads:
    def __init__(self, session: SessionScope) -> None:
        self._session = session

    async def families(self, ids: Sequence[str]) -> dict[str, Family]:
        async with self._session() as s:
            return await SqlFamilyRepository(s).by_ids(ids)

    async def students(self, ids: Sequence[str]) -> dict[str, Student]:
        async with self._session() as s:
            return await SqlStudentRepository(s).by_ids(ids)

    async def students_of_families(self, family_ids: Sequence[str]
                                   ) -> tuple[dict[str, list[Student]], dict[str, Branch]]:
        async with self._session() as s:
            rows = (await s.execute(_STUDENTS_AND_BRANCHES, {"ids": list(family_ids)})).all()
        kids: dict[str, list[Student]] = {fid: [] for fid in family_ids}
        found: dict[str, Branch] = {}
        for r in rows:
            kids[r.family_id].append(to_student(r))
            if r.b_name is not None:
                found[r.branch_id] = Branch(r.branch_id, r.b_name, r.b_city, r.b_time_zone, r.b_address,
                                            r.b_created_at)
        return kids, found

    async def guardians_of_families(self, family_ids: Sequence[str]) -> dict[str, list[Guardian]]:
        async with self._session() as s:
            return await SqlGuardianRepository(s).of_families(family_ids)

    async def student_logins(self, student_ids: Sequence[str]) -> dict[str, StudentLogin]:
        async with self._session() as s:
            return await SqlStudentLoginRepository(s).of_students(student_ids)

    async def consented(self, student_ids: Sequence[str]) -> dict[str, bool]:
        async with self._session() as s:
            got = await SqlStudentRepository(s).consents_of(student_ids)
        return {k: any(c.in_force for c in v) for k, v in got.items()}

    async def branches(self, ids: Sequence[str]) -> dict[str, Branch]:
        async with self._session() as s:
            return await SqlBranchRepository(s).by_ids(ids)

    async def all_branches(self) -> list[Branch]:
        async with self._session() as s:
            return await SqlBranchRepository(s).all()

    async def staff(self, ids: Sequence[str]) -> dict[str, Staff]:
        async with self._session() as s:
            return await SqlStaffRepository(s).by_ids(ids)

    async def staff_of_branch(self, branch_id: str) -> list[Staff]:
        async with self._session() as s:
            return await SqlStaffRepository(s).of_branch(branch_id)

    async def questions(self, ids: Sequence[str]) -> dict[str, Question]:
        async with self._session() as s:
            return await SqlQuestionRepository(s).by_ids(ids)

    async def questions_of_family(self, family_id: str) -> list[Question]:
        async with self._session() as s:
            return await SqlQuestionRepository(s).of_family(family_id)

    async def questions_of_branch(self, branch_id: str, *, open_only: bool,
                                  overdue_at: datetime | None) -> list[Question]:
        async with self._session() as s:
            return await SqlQuestionRepository(s).of_branches([branch_id], open_only=open_only,
                                                              overdue_at=overdue_at)

    async def topics(self, branch_id: str | None) -> list[Topic]:
        async with self._session() as s:
            return await SqlQuestionRepository(s).topics(branch_id)

    async def taught_by(self, teacher_id: str, student_ids: Sequence[str]) -> set[str]:
        async with self._session() as s:
            return await SqlTeachingProjection(s).taught_by(teacher_id, student_ids)

    async def students_of_teacher(self, teacher_id: str) -> list[Student]:
        async with self._session() as s:
            ids = await SqlTeachingProjection(s).students_of_teacher(teacher_id)
            return list((await SqlStudentRepository(s).by_ids(ids)).values())

    async def students_of_branch(self, branch_id: str) -> list[Student]:
        async with self._session() as s:
            return await SqlStudentRepository(s).of_branch(branch_id)

    async def families_of_branch(self, branch_id: str, after: tuple[datetime, str] | None,
                                 limit: int) -> list[Family]:
        async with self._session() as s:
            return await families_of_branch(s, branch_id, after, limit)

    async def count_families_of_branch(self, branch_id: str) -> int:
        async with self._session() as s:
            return await count_families_of_branch(s, branch_id)
