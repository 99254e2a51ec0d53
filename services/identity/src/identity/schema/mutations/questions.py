"""Support questions and their topics."""

from __future__ import annotations

import strawberry

from identity.domain.questions import Question as QuestionModel
from identity.schema.common import Ctx, optional_id, ports, run
from identity.schema.entities import Question
from identity.schema.errors import UserError
from identity.schema.inputs import AskQuestionInput, SetQuestionTopicInput
from identity.schema.types import QuestionPayload, QuestionTopic, QuestionTopicPayload
from identity.service import questions


def _payload(info: Ctx, got: QuestionModel | None, errors: list[UserError]) -> QuestionPayload:
    return QuestionPayload(question=Question.from_model(got, ports(info).now()) if got else None, errors=errors)


@strawberry.type
class QuestionMutations:
    @strawberry.mutation(description="A family asks its branch a question (R-CAB-2).")
    async def ask_question(self, info: Ctx, input: AskQuestionInput) -> QuestionPayload:
        cmd = questions.AskQuestion(input.topic, input.text, optional_id(input.student_id),
                                    optional_id(input.branch_id))
        return _payload(info, *await run(info, questions.ask_question, cmd))

    @strawberry.mutation(description="Staff answer a question of their branch.")
    async def answer_question(self, info: Ctx, question_id: strawberry.ID, answer: str) -> QuestionPayload:
        cmd = questions.AnswerQuestion(str(question_id), answer)
        return _payload(info, *await run(info, questions.answer_question, cmd))

    @strawberry.mutation(description="Close a question (its family, or staff of its branch).")
    async def close_question(self, info: Ctx, question_id: strawberry.ID) -> QuestionPayload:
        cmd = questions.CloseQuestion(str(question_id))
        return _payload(info, *await run(info, questions.close_question, cmd))

    @strawberry.mutation(description="Set a topic's response time: school-wide (owner) or for a branch (its admin).")
    async def set_question_topic(self, info: Ctx, input: SetQuestionTopicInput) -> QuestionTopicPayload:
        cmd = questions.SetTopic(input.code, input.title, input.response_hours, input.response_working_days,
                                 optional_id(input.branch_id))
        got, errors = await run(info, questions.set_topic, cmd)
        return QuestionTopicPayload(topic=QuestionTopic.from_model(got) if got else None, errors=errors)

