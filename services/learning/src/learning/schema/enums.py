"""GraphQL enums, exposed from the domain's enums (names prefixed where another subgraph might clash)."""

from __future__ import annotations

from enum import Enum

import strawberry

from learning.domain.grades import GradeScale as GradeScaleModel
from learning.domain.homework import HomeworkStatus as HomeworkStatusModel
from learning.domain.model import Attendance, HomeworkDone

AttendanceStatus = strawberry.enum(Attendance, name="AttendanceStatus",
                                   description="Attendance on a lesson: PRESENT, LATE, ABSENT or EXCUSED.")
HomeworkDoneStatus = strawberry.enum(HomeworkDone, name="HomeworkDoneStatus",
                                     description="Whether the homework due at this lesson was done.")
GradeScale = strawberry.enum(GradeScaleModel, name="GradeScale",
                             description="A course's grading scale (5-point by default).")
HomeworkStatus = strawberry.enum(HomeworkStatusModel, name="HomeworkStatus",
                                 description="OPEN: not checked yet; DONE: done or partly; MISSED: not done.")


@strawberry.enum(name="RiskReason", description="Why a student is on the at-risk list.")
class RiskReason(Enum):
    LOW_ATTENDANCE = "low_attendance"
    LOW_GRADES = "low_grades"
