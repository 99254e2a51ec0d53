"""A student's homework list (R-CAB-1): each homework is due at the student's next lesson of the same series
(group, or course for individual lessons) and counts as done by what the teacher marked there."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from learning.domain.model import HomeworkDone


class HomeworkStatus(StrEnum):
    OPEN = "open"  # not checked yet
    DONE = "done"  # checked: done or partly done
    MISSED = "missed"  # checked: not done


@dataclass(frozen=True)
class StudentLessonFact:
    lesson_id: str
    group_id: str | None
    course_id: str | None
    starts_at: datetime
    homework: str  # set on this lesson (the sheet's homework), "" if none
    homework_done: HomeworkDone | None  # what the teacher marked for this student on this lesson


@dataclass(frozen=True)
class HomeworkItem:
    lesson_id: str
    assigned_at: datetime
    text: str
    due_lesson_id: str | None
    due_at: datetime | None
    status: HomeworkStatus
    result: HomeworkDone | None


def _series(f: StudentLessonFact) -> str:
    if f.group_id:
        return "g:" + f.group_id
    if f.course_id:
        return "c:" + f.course_id
    return "l:" + f.lesson_id


def homework_items(facts: Iterable[StudentLessonFact]) -> list[HomeworkItem]:
    """Newest first."""
    by_series: dict[str, list[StudentLessonFact]] = defaultdict(list)
    for f in facts:
        by_series[_series(f)].append(f)
    items: list[HomeworkItem] = []
    for lessons in by_series.values():
        lessons.sort(key=lambda f: (f.starts_at, f.lesson_id))
        for i, f in enumerate(lessons):
            if not f.homework:
                continue
            due = lessons[i + 1] if i + 1 < len(lessons) else None
            result = due.homework_done if due else None
            status = (HomeworkStatus.OPEN if result is None
                      else HomeworkStatus.MISSED if result is HomeworkDone.NO else HomeworkStatus.DONE)
            items.append(HomeworkItem(f.lesson_id, f.starts_at, f.homework, due.lesson_id if due else None,
                                      due.starts_at if due else None, status, result))
    items.sort(key=lambda h: (h.assigned_at, h.lesson_id), reverse=True)
    return items
