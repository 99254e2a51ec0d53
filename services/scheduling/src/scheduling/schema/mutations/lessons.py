"""Mutations: single lessons (one-off lessons, moves, cancellations, make-ups, rosters, trials)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry
from strawberry.types import Info

from kabinet.graphql.context import RequestContext
from scheduling.schema.inputs import CreateLessonInput
from scheduling.schema.mutations.common import run, str_or_none
from scheduling.schema.types import Lesson, LessonPayload, LessonScope, LessonsPayload
from scheduling.service import lessons, trials


@strawberry.type
class LessonMutations:
    @strawberry.mutation(description="A one-off lesson: individual, trial, make-up or a custom type.")
    async def create_lesson(self, info: Info[RequestContext, None], input: CreateLessonInput,
                            idempotency_key: str | None = None) -> LessonPayload:
        cmd = lessons.CreateLesson(str(input.branch_id), str(input.teacher_id), input.lesson_type, input.starts_at,
                                   input.ends_at, input.price, str_or_none(input.room_id),
                                   str_or_none(input.course_id), input.capacity,
                                   tuple(str(x) for x in input.student_ids), input.bookable, idempotency_key)
        x, errors = await run(info, lessons.create_lesson, cmd)
        return LessonPayload(lesson=Lesson.from_model(x) if x else None, errors=errors)

    @strawberry.mutation(description="Move a lesson, or it and all following of its regular schedule.")
    async def move_lesson(self, info: Info[RequestContext, None], lesson_id: strawberry.ID, starts_at: dt.datetime,
                          ends_at: dt.datetime, scope: LessonScope = LessonScope.THIS,
                          teacher_id: strawberry.ID | None = None, room_id: strawberry.ID | None = None
                          ) -> LessonsPayload:
        xs, errors = await run(info, lessons.move_lesson, lessons.MoveLesson(
            str(lesson_id), starts_at, ends_at, lessons.Scope(scope.value), str_or_none(teacher_id),
            str_or_none(room_id)))
        return LessonsPayload(lessons=[Lesson.from_model(x) for x in xs or []], errors=errors)

    @strawberry.mutation(description="Cancel a lesson, or it and all following of its regular schedule.")
    async def cancel_lesson(self, info: Info[RequestContext, None], lesson_id: strawberry.ID, reason: str,
                            scope: LessonScope = LessonScope.THIS) -> LessonsPayload:
        xs, errors = await run(info, lessons.cancel_lesson, lessons.CancelLesson(
            str(lesson_id), reason, lessons.Scope(scope.value)))
        return LessonsPayload(lessons=[Lesson.from_model(x) for x in xs or []], errors=errors)

    @strawberry.mutation(description="Make-up: add a student to another group's lesson (R-SCH-5).")
    async def add_makeup_participant(self, info: Info[RequestContext, None], lesson_id: strawberry.ID,
                                     student_id: strawberry.ID, idempotency_key: str | None = None) -> LessonPayload:
        x, errors = await run(info, lessons.add_makeup, lessons.AddMakeup(
            str(lesson_id), str(student_id), idempotency_key))
        return LessonPayload(lesson=Lesson.from_model(x) if x else None, errors=errors)

    @strawberry.mutation(description="Make-up: a parallel lesson at the same time with the same teacher, no room.")
    async def create_parallel_makeup(self, info: Info[RequestContext, None], lesson_id: strawberry.ID,
                                     student_ids: list[strawberry.ID], idempotency_key: str | None = None
                                     ) -> LessonPayload:
        x, errors = await run(info, lessons.create_parallel_makeup, lessons.CreateParallelMakeup(
            str(lesson_id), tuple(str(s) for s in student_ids), idempotency_key))
        return LessonPayload(lesson=Lesson.from_model(x) if x else None, errors=errors)

    @strawberry.mutation(description="Remove a student from one lesson.")
    async def remove_lesson_participant(self, info: Info[RequestContext, None], lesson_id: strawberry.ID,
                                        student_id: strawberry.ID) -> LessonPayload:
        x, errors = await run(info, lessons.remove_participant, lessons.RemoveParticipant(
            str(lesson_id), str(student_id)))
        return LessonPayload(lesson=Lesson.from_model(x) if x else None, errors=errors)

    @strawberry.mutation(description="A draft lesson's price (its month not yet published): the lesson's and that of "
                                     "everyone on it at the old price. A published lesson: LESSON_PUBLISHED (billing "
                                     "charges its published price).")
    async def set_draft_lesson_price(self, info: Info[RequestContext, None], lesson_id: strawberry.ID,
                                     price: Decimal) -> LessonPayload:
        x, errors = await run(info, lessons.set_draft_price, lessons.SetDraftPrice(str(lesson_id), price))
        return LessonPayload(lesson=Lesson.from_model(x) if x else None, errors=errors)

    @strawberry.mutation(description="Record the family's one free trial in a lesson, optionally joining its group.")
    async def record_trial(self, info: Info[RequestContext, None], lesson_id: strawberry.ID,
                           student_id: strawberry.ID, add_to_group: bool = False,
                           idempotency_key: str | None = None) -> LessonPayload:
        x, errors = await run(info, trials.record_trial, trials.RecordTrial(
            str(lesson_id), str(student_id), add_to_group, idempotency_key))
        return LessonPayload(lesson=Lesson.from_model(x) if x else None, errors=errors)
