"""Who sees which lessons' sheets, as plain data the repositories can turn into a WHERE clause.

Staff see lessons by role: the owner all, a branch admin their branches', a teacher the lessons they teach
(or were first scheduled to teach). Families see their own children's lessons (checked per student).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from learning.domain.model import Lesson


@dataclass(frozen=True)
class LessonScope:
    everything: bool = False
    branch_ids: frozenset[str] = field(default_factory=frozenset)
    teacher_id: str | None = None

    @property
    def empty(self) -> bool:
        return not self.everything and not self.branch_ids and self.teacher_id is None

    def covers(self, lesson: Lesson) -> bool:
        if self.everything:
            return True
        if lesson.branch_id in self.branch_ids:
            return True
        return self.teacher_id is not None and self.teacher_id in lesson.teachers()


NOTHING = LessonScope()
