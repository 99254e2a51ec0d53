"""Support questions (R-CAB-2): asked by a family, a task for the branch's admins with a topic's deadline."""

from __future__ import annotations

from dataclasses import dataclass

from identity.adapters.question_repository import QuestionRepository
from identity.adapters.repositories import FamilyRepository, OrgRepository
from identity.domain.errors import BranchNotFound, UnknownTopic
from identity.domain.events import QuestionAnswered, QuestionAsked
from identity.domain.questions import Question, Topic
from identity.service.deps import IdentityDeps
from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import can_manage_branch, ensure, require_authenticated, require_role
from kabinet.db import UnitOfWork
from kabinet.errors import Forbidden, InvalidInput


@dataclass(frozen=True)
class AskQuestion:
    topic: str
    text: str
    student_id: str | None = None
    branch_id: str | None = None


async def ask_question(deps: IdentityDeps, uow: UnitOfWork, principal: Principal, cmd: AskQuestion) -> Question:
    require_authenticated(principal)
    if principal.role not in (Role.GUARDIAN, Role.STUDENT) or principal.family_id is None:
        raise Forbidden()
    families = FamilyRepository(uow.session)
    kids = [s for s in (await families.students_of([principal.family_id]))[principal.family_id] if not s.erased]
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
    branch = await OrgRepository(uow.session).branch(branch_id)
    if branch is None:
        raise BranchNotFound(field="branchId")
    topic = await QuestionRepository(uow.session).topic(cmd.topic.strip().lower(), branch_id)
    if topic is None:
        raise UnknownTopic(field="topic")
    q = Question.ask(principal.family_id, branch_id, topic, cmd.text, principal.user_id or "",
                     student.id if student else None, branch.time_zone, deps.now())
    await QuestionRepository(uow.session).add(q)
    uow.publish(QuestionAsked(question_id=q.id, family_id=q.family_id, branch_id=q.branch_id, topic=q.topic,
                              due_at=q.due_at))
    await uow.commit()
    return q


async def _question_for_staff(uow: UnitOfWork, principal: Principal, question_id: str) -> Question:
    require_role(principal, Role.BRANCH_ADMIN)
    q = await QuestionRepository(uow.session).get(question_id, for_update=True)
    if q is None:
        raise Forbidden()
    ensure(can_manage_branch(principal, q.branch_id))
    return q


async def answer_question(deps: IdentityDeps, uow: UnitOfWork, principal: Principal, question_id: str,
                          answer: str) -> Question:
    q = await _question_for_staff(uow, principal, question_id)
    q.answer_with(answer, principal.staff_id or principal.user_id or "", deps.now())
    await QuestionRepository(uow.session).save(q)
    uow.publish(QuestionAnswered(question_id=q.id, family_id=q.family_id, branch_id=q.branch_id, topic=q.topic,
                                 due_at=q.due_at))
    await uow.commit()
    return q


async def close_question(deps: IdentityDeps, uow: UnitOfWork, principal: Principal, question_id: str) -> Question:
    require_authenticated(principal)
    repo = QuestionRepository(uow.session)
    if principal.role in (Role.GUARDIAN, Role.STUDENT):
        q = await repo.get(question_id, for_update=True)
        if q is None or q.family_id != principal.family_id:
            raise Forbidden()
    else:
        q = await _question_for_staff(uow, principal, question_id)
    q.close(deps.now())
    await repo.save(q)
    await uow.commit()
    return q


async def set_topic(uow: UnitOfWork, principal: Principal, topic: Topic) -> Topic:
    """The owner sets school-wide response times; a branch admin may override them for the own branch."""
    require_role(principal, Role.BRANCH_ADMIN)
    if topic.branch_id is None:
        require_role(principal, Role.OWNER)
    else:
        ensure(can_manage_branch(principal, topic.branch_id))
        if await OrgRepository(uow.session).branch(topic.branch_id) is None:
            raise BranchNotFound(field="branchId")
    code = topic.code.strip().lower()
    if not code or len(code) > 40:
        raise InvalidInput("Give the topic a short code.", field="code")
    topic = Topic(code, topic.title.strip() or code, topic.response_hours, topic.response_working_days,
                  topic.branch_id)
    await QuestionRepository(uow.session).set_topic(topic)
    await uow.commit()
    return topic
