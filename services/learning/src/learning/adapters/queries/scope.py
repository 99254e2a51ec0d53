"""A LessonScope (domain/access.py) as a WHERE clause on lessons."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true

from kabinet.db.any_of import any_of
from learning.adapters.tables import lessons
from learning.domain.access import LessonScope


def scope_clause(scope: LessonScope) -> ColumnElement[bool]:
    if scope.everything:
        return true()
    parts: list[ColumnElement[bool]] = []
    if scope.branch_ids:
        parts.append(any_of(lessons.c.branch_id, sorted(scope.branch_ids)))
    if scope.teacher_id:
        parts.append(or_(lessons.c.teacher_id == scope.teacher_id, lessons.c.original_teacher_id == scope.teacher_id))
    return or_(*parts) if parts else false()
