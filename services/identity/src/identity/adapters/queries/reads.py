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
from identity.adapters.tables import branches, consents, students
from identity.domain.credentials import StudentLogin
from identity.domain.model import Branch, Consent, Family, Guardian, Staff, Student
from identity.domain.questions import Question, Topic
from identity.service.unit_of_work import FamilyStudents
from kabinet.db.any_of import any_of

# The family's students with the branch each studies in and their consents (one row per student and consent,
# usually one): the cabinet shows all three, and one statement costs less than three.
_c = consents
_STUDENTS_OF_FAMILIES = (
    select(students, branches.c.name.label("b_name"), branches.c.city.label("b_city"),
           branches.c.time_zone.label("b_time_zone"), branches.c.address.label("b_address"),
           branches.c.created_at.label("b_created_at"), _c.c.id.label("c_id"), _c.c.family_id.label("c_family_id"),
           _c.c.guardian_id.label("c_guardian_id"), _c.c.source.label("c_source"), _c.c.version.label("c_version"),
           _c.c.given_at.label("c_given_at"), _c.c.recorded_by.label("c_recorded_by"),
           _c.c.withdrawn_at.label("c_withdrawn_at"))
    .select_from(students.outerjoin(branches, branches.c.id == students.c.branch_id)
                 .outerjoin(_c, _c.c.student_id == students.c.id))
    .where(any_of(students.c.family_id, bindparam("ids"))).order_by(students.c.created_at, _c.c.given_at))

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

    async def students_of_families(self, family_ids: Sequence[str]) -> FamilyStudents:
        async with self._session() as s:
            rows = (await s.execute(_STUDENTS_OF_FAMILIES, {"ids": list(family_ids)})).all()
        kids: dict[str, list[Student]] = {fid: [] for fid in family_ids}
        found: dict[str, Branch] = {}
        given: dict[str, list[Consent]] = {}
        for r in rows:
            if r.id not in given:  # the student's first row
                given[r.id] = []
                kids[r.family_id].append(to_student(r))
                if r.b_name is not None:
                    found[r.branch_id] = Branch(r.branch_id, r.b_name, r.b_city, r.b_time_zone, r.b_address,
                                                r.b_created_at)
            if r.c_id is not None:
                given[r.id].append(Consent(r.c_id, r.c_family_id, r.id, r.c_guardian_id, r.c_source, r.c_version,
                                           r.c_given_at, r.c_recorded_by, r.c_withdrawn_at))
        return FamilyStudents(kids, found, {sid: any(c.in_force for c in cs) for sid, cs in given.items()})

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
