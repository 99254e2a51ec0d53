"""Saving a lesson's sheet."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import strawberry

from kabinet.graphql.mutations import attempt
from learning.domain.access import visible_students
from learning.domain.model import MarkDraft, SheetDraft
from learning.schema.errors import UserError
from learning.schema.inputs import SaveLessonSheetInput
from learning.schema.loaders import Ctx, wiring
from learning.schema.types import LessonSheet
from learning.service.sheets import SaveSheet, save_sheet


@strawberry.type
class SaveLessonSheetPayload:
    sheet: LessonSheet | None
    errors: list[UserError]


@strawberry.type
class SheetMutations:
    @strawberry.mutation(description="Save a lesson's whole sheet: summary, homework and every student's row.")
    async def save_lesson_sheet(self, info: Ctx, input: SaveLessonSheetInput) -> SaveLessonSheetPayload:
        runtime = info.context.runtime
        draft = SheetDraft(str(input.lesson_id), input.summary, input.homework, tuple(
            MarkDraft(str(s.student_id), s.attendance, s.homework_done, s.grade, s.comment) for s in input.students))
        open_before = timedelta(minutes=getattr(runtime.settings, "sheet_open_before_start_min", 30))
        cmd = SaveSheet(draft, datetime.now().astimezone(), input.idempotency_key, input.expected_revision,
                        open_before)
        saved, errors = await attempt(lambda uow: save_sheet(cmd, uow, info.context.principal),
                                      error=UserError, within=wiring(info.context).unit_of_work)
        if errors or saved is None:
            return SaveLessonSheetPayload(sheet=None, errors=errors)
        info.context.loaders.clear()  # other fields read the saved state, not what this request cached before
        # The sheet as committed, from what the save read under the lesson's lock and wrote (reading the lesson,
        # its participants, the sheet and its marks again cost four statements).
        lesson = saved.lesson
        assert lesson is not None
        sheet = replace(saved.sheet, updated_at=saved.sheet.updated_at.astimezone(UTC)
                        if saved.sheet.updated_at else None)
        visible = visible_students(info.context.principal, lesson,
                                   {sid: p.family_id for sid, p in lesson.participants.items()})
        return SaveLessonSheetPayload(sheet=LessonSheet.build(lesson, sheet, saved.scale, visible), errors=[])
