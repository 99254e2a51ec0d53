"""Support questions (R-CAB-2): asked by a family, a task for the branch's admins with a topic's deadline."""

from __future__ import annotations

from dataclasses import dataclass

from identity.domain.errors import BranchNotFound, UnknownTopic
from identity.domain.events import QuestionAnswered, QuestionAsked
from identity.domain.questions import Question, Topic
from identity.service.unit_of_work import IdentityUnitOfWork
from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import can_manage_branch, ensure, require_authenticated, require_role
from kabinet.errors import Forbidden, InvalidInput


@dataclass(frozen=True)
class AskQuestion:
    topic: str
    text: str
    student_id: str | None = None
    branch_id: str | None = None


async def ask_question(cmd: AskQuestion, uow: IdentityUnitOfWork, principal: Principal) -> Question:
    require_authenticated(principal)
    if principal.role not in (Role.GUARDIAN, Role.STUDENT) or principal.family_id is None:
        raise Forbidden()
    kids = [s for s in (await uow.students.of_families([principal.family_id]))[principal.family_id]
            if not s.erased]
    student = None
    student_id = cmd.student_id
    if student_id is None and principal.role is Role.STUDENT and len(principal.student_ids) == 1:
        student_id = next(iter(principal.student_ids))  # a child asking from its own login asks about itself
    if student_id is not None:
        student = next((s for s in kids if s.id == student_id), None)
        ensure(student is not None and (principal.role is Role.GUARDIAN or student.id in principal.student_ids))
    family_branches = {s.branch_id for s in kids if s.branch_id}
    branch_id = cmd.branch_id or (student.branch_id if student else None) or next(iter(sorted(family_branches)), None)
    if branch_id is None:
        raise InvalidInput("Choose the branch to ask.", field="branchId")
    ensure(branch_id in family_branches)  # a family asks only the branches its children study in
    branch = await uow.branches.get(branch_id)
    if branch is None:
        raise BranchNotFound(field="branchId")
    topic = await uow.questions.topic(cmd.topic.strip().lower(), branch_id)
    if topic is None:
        raise UnknownTopic(field="topic")
    q = Question.ask(principal.family_id, branch_id, topic, cmd.text, principal.user_id or "",
                     student.id if student else None, branch.time_zone, uow.ports.now())
    await uow.questions.add(q)
    uow.publish(QuestionAsked(question_id=q.id, family_id=q.family_id, branch_id=q.branch_id, topic=q.topic,
                              due_at=q.due_at))
    await uow.commit()
    return q


async def _question_for_staff(uow: IdentityUnitOfWork, principal: Principal, question_id: str) -> Question:
    require_role(principal, Role.BRANCH_ADMIN)
    q = await uow.questions.get(question_id, for_update=True)
    if q is None:
        raise Forbidden()
    ensure(can_manage_branch(principal, q.branch_id))
    return q


@dataclass(frozen=True)
class AnswerQuestion:
    question_id: str
    answer: str


async def answer_question(cmd: AnswerQuestion, uow: IdentityUnitOfWork, principal: Principal) -> Question:
    q = await _question_for_staff(uow, principal, cmd.question_id)
    q.answer_with(cmd.answer, principal.staff_id or principal.user_id or "", uow.ports.now())
    await uow.questions.save(q)
    uow.publish(QuestionAnswered(question_id=q.id, family_id=q.family_id, branch_id=q.branch_id, topic=q.topic,
                                 due_at=q.due_at))
    await uow.commit()
    return q


@dataclass(frozen=True)
class CloseQuestion:
    question_id: str


async def close_question(cmd: CloseQuestion, uow: IdentityUnitOfWork, principal: Principal) -> Question:
    require_authenticated(principal)
    if principal.role in (Role.GUARDIAN, Role.STUDENT):
        found = await uow.questions.get(cmd.question_id, for_update=True)
        if found is None or found.family_id != principal.family_id:
            raise Forbidden()
        q = found
    else:
        q = await _question_for_staff(uow, principal, cmd.question_id)
    q.close(uow.ports.now())
    await uow.questions.save(q)
    await uow.commit()
    return q


@dataclass(frozen=True)
class SetTopic:
    code: str
    title: str
    response_hours: int | None = None
    response_working_days: int | None = None
    branch_id: str | None = None  # None: school-wide


async def set_topic(cmd: SetTopic, uow: IdentityUnitOfWork, principal: Principal) -> Topic:
    """The owner sets school-wide response times; a branch admin may override them for the own branch."""
    topic = Topic(cmd.code, cmd.title, cmd.response_hours, cmd.response_working_days, cmd.branch_id)
    require_role(principal, Role.BRANCH_ADMIN)
    if topic.branch_id is None:
        require_role(principal, Role.OWNER)
    else:
        ensure(can_manage_branch(principal, topic.branch_id))
        if await uow.branches.get(topic.branch_id) is None:
            raise BranchNotFound(field="branchId")
    code = topic.code.strip().lower()
    if not code or len(code) > 40:
        raise InvalidInput("Give the topic a short code.", field="code")
    topic = Topic(code, topic.title.strip() or code, topic.response_hours, topic.response_working_days,
                  topic.branch_id)
    await uow.questions.set_topic(topic)
    await uow.commit()
    return topic
