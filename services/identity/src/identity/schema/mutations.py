"""Identity's mutations: each returns a payload with the changed object and typed errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry
from strawberry.tools import merge_types

from identity.adapters.repositories import FamilyRepository
from identity.domain.confirmations import ConfirmationKind, FamilyConfirmation
from identity.domain.errors import InvalidCode, InvalidLink
from identity.domain.model import Family as FamilyModel
from identity.domain.model import StaffRole
from identity.domain.model import Student as StudentModel
from identity.domain.questions import Topic
from identity.schema import session_cookie
from identity.schema.common import Ctx, attempt, client_ip, deps, runtime
from identity.schema.inputs import (
    AddChildInput,
    AskQuestionInput,
    CompleteRegistrationInput,
    CreateBranchInput,
    CreateStaffInput,
    LinkRecordsInput,
    RegisterClientInput,
    RegisterStudentInput,
    ResetChannel,
    ResetPasswordInput,
    SetPasswordInput,
    SetQuestionTopicInput,
    SetStudentLoginInput,
    UpdateBranchInput,
    UpdateStudentInput,
)
from identity.schema.types import (
    Ack,
    AuthPayload,
    Branch,
    BranchPayload,
    CodeRequestPayload,
    EmailPayload,
    FamilyConfirmationPayload,
    FamilyConfirmationRequest,
    FamilyPayload,
    Guardian,
    GuardianPayload,
    LinkRecordsPayload,
    Question,
    QuestionPayload,
    QuestionTopic,
    QuestionTopicPayload,
    RegisterClientPayload,
    RegisterStudentPayload,
    Staff,
    StaffPayload,
    StudentLoginPayload,
    StudentPayload,
)
from identity.service import accounts, auth, confirmations, family, org, questions, registration, sessions
from identity.service.confirmations import ConfirmationSent
from identity.service.sessions import AuthSession as AuthSessionModel
from kabinet.auth.rules import require_authenticated
from kabinet.db import UnitOfWork
from kabinet.errors import Forbidden

T = TypeVar("T")


async def in_uow(info: Ctx, fn: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    async with runtime(info).uow() as uow:
        return await fn(uow)


def _id(value: strawberry.ID | None) -> str | None:
    return None if value is None else str(value)


async def _code_sign_in(info: Ctx, fn: Callable[[UnitOfWork], Awaitable[AuthSessionModel]]) -> AuthPayload:
    """A sign-in by SMS code; a wrong code's tries left go into the payload next to its INVALID_CODE error."""
    tries_left: int | None = None

    async def run() -> AuthSessionModel:
        nonlocal tries_left
        try:
            return await in_uow(info, fn)
        except InvalidCode as exc:
            tries_left = exc.tries_left
            raise

    got, errors = await attempt(run)
    return AuthPayload(session=session_cookie.deliver(info, got), errors=errors, tries_left=tries_left)


@strawberry.type
class SignInMutations:
    @strawberry.mutation(description="Send a sign-in code by SMS. The answer is the same for every number.")
    async def request_sign_in_code(self, info: Ctx, phone: str) -> CodeRequestPayload:
        d, ip = deps(info), client_ip(info)
        got, errors = await attempt(lambda: in_uow(info, lambda uow: auth.request_phone_code(
            d, uow, phone, auth.CodePurpose.SIGN_IN, ip)))
        return CodeRequestPayload(ok=got is not None, expires_in=got.expires_in if got else None, errors=errors)

    @strawberry.mutation(description="Sign in to the family cabinet with the SMS code.")
    async def sign_in_with_code(self, info: Ctx, phone: str, code: str) -> AuthPayload:
        return await _code_sign_in(info, lambda uow: auth.sign_in_with_code(deps(info), uow, phone, code))

    @strawberry.mutation(description="Staff by email; guardians by phone or confirmed email, once they set a password.")
    async def sign_in_with_password(self, info: Ctx, login: str, password: str) -> AuthPayload:
        ip = client_ip(info)
        got, errors = await attempt(lambda: in_uow(info, lambda uow: auth.sign_in_with_password(
            deps(info), uow, login, password, ip)))
        return AuthPayload(session=session_cookie.deliver(info, got), errors=errors)

    @strawberry.mutation(description="Trade a refresh token for new tokens. A spent token revokes its whole chain. "
                                     "Without `refreshToken`, the session cookie's token is used.")
    async def refresh_session(self, info: Ctx, refresh_token: str | None = None) -> AuthPayload:
        token, cookie_mode = session_cookie.refresh_token_of(info, refresh_token)
        got, errors = await attempt(lambda: in_uow(info, lambda uow: sessions.refresh_session(
            deps(info), uow, token)))
        if got is None and cookie_mode:
            session_cookie.clear(info)
        return AuthPayload(session=session_cookie.deliver(info, got, cookie_mode=cookie_mode), errors=errors)

    @strawberry.mutation(description="End the session of this refresh token (and its chain); without "
                                     "`refreshToken`, the session cookie's. The cookie is cleared.")
    async def sign_out(self, info: Ctx, refresh_token: str | None = None) -> Ack:
        token, cookie_mode = session_cookie.refresh_token_of(info, refresh_token)
        if token:
            await in_uow(info, lambda uow: sessions.end_session(deps(info), uow, token))
        if cookie_mode:
            session_cookie.clear(info)
        return Ack(ok=True, errors=[])

    @strawberry.mutation(description="A new family proves its phone: send a registration code by SMS.")
    async def request_registration_code(self, info: Ctx, phone: str) -> CodeRequestPayload:
        d, ip = deps(info), client_ip(info)
        got, errors = await attempt(lambda: in_uow(info, lambda uow: auth.request_phone_code(
            d, uow, phone, auth.CodePurpose.REGISTER, ip)))
        return CodeRequestPayload(ok=got is not None, expires_in=got.expires_in if got else None, errors=errors)

    @strawberry.mutation(description="Self-registration: code, names, optional email (a confirmation link is sent) "
                                     "and password. The cabinet opens at once.")
    async def complete_registration(self, info: Ctx, input: CompleteRegistrationInput) -> AuthPayload:
        cmd = auth.CompleteRegistration(input.phone, input.code, input.first_name, input.last_name, input.email,
                                        input.password)
        return await _code_sign_in(info, lambda uow: auth.complete_registration(deps(info), uow, cmd))

    @strawberry.mutation(description="Confirm an email address with the token from the link.")
    async def confirm_email(self, info: Ctx, token: str) -> Ack:
        _got, errors = await attempt(lambda: in_uow(info, lambda uow: auth.confirm_email(deps(info), uow, token)))
        return Ack(ok=not errors, errors=errors)

    @strawberry.mutation(description="Send the confirmation link again, optionally to a corrected address.")
    async def resend_email_confirmation(self, info: Ctx, email: str | None = None) -> EmailPayload:
        p = info.context.principal
        require_authenticated(p)
        if p.role.value != "guardian" or not p.user_id:
            raise Forbidden()
        user_id = p.user_id
        got, errors = await attempt(lambda: in_uow(info, lambda uow: auth.resend_confirmation(
            deps(info), uow, user_id, email)))
        return EmailPayload(email=got, errors=errors)

    @strawberry.mutation(description="Send a reset link by email (free) or a code by SMS (paid by the branch). "
                                     "The answer is the same for every login.")
    async def request_password_reset(self, info: Ctx, login: str, channel: ResetChannel) -> Ack:
        d, ip = deps(info), client_ip(info)
        _, errors = await attempt(lambda: in_uow(info, lambda uow: auth.request_password_reset(
            d, uow, login, auth.ResetChannel(channel.value), ip)))
        return Ack(ok=not errors, errors=errors)

    @strawberry.mutation(description="Set a new password with the email token, or with phone + SMS code.")
    async def reset_password(self, info: Ctx, input: ResetPasswordInput) -> Ack:
        async def run(uow: UnitOfWork) -> None:
            if input.token:
                await auth.reset_password_with_link(deps(info), uow, input.token, input.new_password)
            elif input.phone and input.code:
                await auth.reset_password_with_code(deps(info), uow, input.phone, input.code, input.new_password)
            elif input.phone:
                raise InvalidCode(field="code")
            else:
                raise InvalidLink(field="token")

        _, errors = await attempt(lambda: in_uow(info, run))
        return Ack(ok=not errors, errors=errors)


@strawberry.type
class AccountMutations:
    @strawberry.mutation(description="Set or change the signed-in user's own password (the current one is needed "
                                     "to change it). Other sessions end; the payload carries new tokens.")
    async def set_password(self, info: Ctx, input: SetPasswordInput) -> AuthPayload:
        p = info.context.principal
        cmd = accounts.SetPassword(input.new_password, input.current_password)
        got, errors = await attempt(lambda: in_uow(info, lambda uow: accounts.set_password(deps(info), uow, p, cmd)))
        return AuthPayload(session=session_cookie.deliver(info, got), errors=errors)


@strawberry.type
class OrgMutations:
    @strawberry.mutation(description="Open a branch (owner).")
    async def create_branch(self, info: Ctx, input: CreateBranchInput) -> BranchPayload:
        p = info.context.principal
        got, errors = await attempt(lambda: in_uow(info, lambda uow: org.create_branch(
            uow, p, input.name, input.city, input.time_zone, input.address)))
        return BranchPayload(branch=Branch.from_model(got) if got else None, errors=errors)

    @strawberry.mutation(description="Change a branch (owner, or the branch's admin).")
    async def update_branch(self, info: Ctx, input: UpdateBranchInput) -> BranchPayload:
        p = info.context.principal
        got, errors = await attempt(lambda: in_uow(info, lambda uow: org.update_branch(
            uow, p, str(input.id), input.name, input.city, input.time_zone, input.address)))
        return BranchPayload(branch=Branch.from_model(got) if got else None, errors=errors)

    @strawberry.mutation(description="Create a staff account (owner: anyone; branch admin: teachers of own branch).")
    async def create_staff(self, info: Ctx, input: CreateStaffInput) -> StaffPayload:
        p = info.context.principal
        cmd = org.CreateStaff(StaffRole(input.role.value), input.email, input.first_name, input.last_name,
                              tuple(str(b) for b in input.branch_ids), input.password)
        got, errors = await attempt(lambda: in_uow(info, lambda uow: org.create_staff(deps(info), uow, p, cmd)))
        return StaffPayload(staff=Staff.from_model(got) if got else None, errors=errors)


@strawberry.type
class FamilyMutations:
    @strawberry.mutation(description="Staff register a student under a guardian phone (creates the family). A "
                                     "family that does not study in the caller's branch confirms first: the payload "
                                     "is then PENDING_CONFIRMATION, with nothing of the family.")
    async def register_student(self, info: Ctx, input: RegisterStudentInput) -> RegisterStudentPayload:
        cmd = registration.RegisterStudent(input.guardian_phone, input.first_name, input.last_name,
                                           input.birth_date, _id(input.branch_id))
        p = info.context.principal
        got, errors = await attempt(lambda: in_uow(info, lambda uow: registration.register_student(deps(info), cmd,
                                                                                                 uow, p)))
        return RegisterStudentPayload(found=got if isinstance(got, StudentModel) else None,
                                      sent=got if isinstance(got, ConfirmationSent) else None, errors=errors)

    @strawberry.mutation(description="Staff register a client (guardian) and students by hand (R-FAM-5). An "
                                     "existing family the caller cannot see confirms first (PENDING_CONFIRMATION).")
    async def register_client(self, info: Ctx, input: RegisterClientInput) -> RegisterClientPayload:
        cmd = registration.RegisterClient(
            input.phone, input.first_name, input.last_name, str(input.branch_id), input.consent_signed, input.email,
            tuple(registration.NewStudent(s.first_name, s.last_name, s.birth_date) for s in input.students))
        p = info.context.principal
        got, errors = await attempt(lambda: in_uow(info, lambda uow: registration.register_client(deps(info), uow, p,
                                                                                                cmd)))
        return RegisterClientPayload(found=got if isinstance(got, FamilyModel) else None,
                                     sent=got if isinstance(got, ConfirmationSent) else None, errors=errors)

    @strawberry.mutation(description="Staff enter the code the family received for a PENDING_CONFIRMATION "
                                     "registration: the children are added and the family is shown.")
    async def confirm_family_registration(self, info: Ctx, confirmation_id: strawberry.ID,
                                          code: str) -> RegisterClientPayload:
        p = info.context.principal

        async def run(uow: UnitOfWork) -> FamilyModel | None:
            c = await confirmations.confirm_with_code(deps(info), uow, p, str(confirmation_id), code)
            if c.kind is not ConfirmationKind.ADD_STUDENTS:
                raise Forbidden()
            return await FamilyRepository(uow.session).get(c.family_id)

        got, errors = await attempt(lambda: in_uow(info, run))
        return RegisterClientPayload(found=got, sent=None, errors=errors)

    @strawberry.mutation(description="A guardian enters the code the records' family received for a "
                                     "PENDING_CONFIRMATION linkRecords: linked, with new tokens.")
    async def confirm_link_records(self, info: Ctx, confirmation_id: strawberry.ID, code: str) -> LinkRecordsPayload:
        p = info.context.principal
        got, errors = await attempt(lambda: in_uow(info, lambda uow: family.confirm_link(
            deps(info), uow, p, str(confirmation_id), code)))
        return LinkRecordsPayload(session=session_cookie.deliver(info, got), sent=None, errors=errors)

    @strawberry.mutation(description="The family's guardian approves a request to attach to the family "
                                     "(children a branch registered under the family's phone, a guardian who "
                                     "linked its records).")
    async def approve_family_confirmation(self, info: Ctx, confirmation_id: strawberry.ID
                                          ) -> FamilyConfirmationPayload:
        return await _decide(info, str(confirmation_id), confirmations.approve)

    @strawberry.mutation(description="The family's guardian declines such a request: nothing is attached.")
    async def decline_family_confirmation(self, info: Ctx, confirmation_id: strawberry.ID
                                          ) -> FamilyConfirmationPayload:
        return await _decide(info, str(confirmation_id), confirmations.decline)

    @strawberry.mutation(description="A guardian adds another child from the cabinet (R-FAM-3); consent first.")
    async def add_child(self, info: Ctx, input: AddChildInput) -> StudentPayload:
        cmd = family.AddChild(input.first_name, input.last_name, input.birth_date, input.consent,
                              _id(input.branch_id), input.idempotency_key, input.confirm_duplicate)
        p = info.context.principal
        got, errors = await attempt(lambda: in_uow(info, lambda uow: family.add_child(deps(info), uow, p, cmd)))
        return StudentPayload(found=got, errors=errors)

    @strawberry.mutation(description="Correct a student's name, birth date or branch.")
    async def update_student(self, info: Ctx, input: UpdateStudentInput) -> StudentPayload:
        cmd = family.UpdateStudent(str(input.student_id), input.first_name, input.last_name, input.birth_date,
                                   _id(input.branch_id))
        p = info.context.principal
        got, errors = await attempt(lambda: in_uow(info, lambda uow: family.update_student(deps(info), uow, p,
                                                                                           cmd)))
        return StudentPayload(found=got, errors=errors)

    @strawberry.mutation(description="Erase a child's personal data (guardian or owner); every service follows.")
    async def erase_student(self, info: Ctx, student_id: strawberry.ID) -> StudentPayload:
        p = info.context.principal
        got, errors = await attempt(lambda: in_uow(info, lambda uow: family.erase_student(deps(info), uow, p,
                                                                                          str(student_id))))
        return StudentPayload(found=got, errors=errors)

    @strawberry.mutation(description="A guardian of the child's family gives (`given: true`) or withdraws consent to "
                                     "process the child's personal data; withdrawing keeps when it was given.")
    async def set_child_consent(self, info: Ctx, student_id: strawberry.ID, given: bool) -> StudentPayload:
        p = info.context.principal
        got, errors = await attempt(lambda: in_uow(info, lambda uow: family.set_child_consent(
            deps(info), uow, p, str(student_id), given)))
        return StudentPayload(found=got, errors=errors)

    @strawberry.mutation(description="Link existing client records by phone + birth date + surname (R-FAM-6). "
                                     "Returns new tokens for the linked family when the records' phone is the "
                                     "caller's own; otherwise the records' guardian confirms first "
                                     "(PENDING_CONFIRMATION, then confirmLinkRecords with their code).")
    async def link_records(self, info: Ctx, input: LinkRecordsInput) -> LinkRecordsPayload:
        cmd = family.LinkRecords(input.phone, input.birth_date, input.last_name)
        p = info.context.principal
        if not p.is_authenticated:
            require_authenticated(p)
        got, errors = await attempt(lambda: in_uow(info, lambda uow: family.link_records(deps(info), uow, p, cmd)))
        return LinkRecordsPayload(
            session=session_cookie.deliver(info, got if isinstance(got, AuthSessionModel) else None),
            sent=got if isinstance(got, ConfirmationSent) else None, errors=errors)

    @strawberry.mutation(description="Invite a second guardian to the family by phone.")
    async def invite_guardian(self, info: Ctx, phone: str, first_name: str, last_name: str) -> GuardianPayload:
        p = info.context.principal
        got, errors = await attempt(lambda: in_uow(info, lambda uow: family.invite_guardian(
            deps(info), uow, p, phone, first_name, last_name)))
        return GuardianPayload(guardian=Guardian.from_model(got) if got else None, errors=errors)

    @strawberry.mutation(description="Open a family's cabinet by hand (staff of its branch, or the owner).")
    async def open_cabinet_access(self, info: Ctx, family_id: strawberry.ID, reason: str = "") -> FamilyPayload:
        p = info.context.principal
        got, errors = await attempt(lambda: in_uow(info, lambda uow: family.open_access_by_staff(
            uow, p, str(family_id), reason)))
        return FamilyPayload(found=got, errors=errors)

    @strawberry.mutation(description="Give a child a login and password of their own (R-FAM-1): a guardian of "
                                     "the family, the branch's admin, or the owner.")
    async def set_student_login(self, info: Ctx, input: SetStudentLoginInput) -> StudentLoginPayload:
        p = info.context.principal
        cmd = accounts.SetStudentLogin(str(input.student_id), input.login, input.password)
        got, errors = await attempt(lambda: in_uow(info, lambda uow: accounts.set_student_login(
            deps(info), uow, p, cmd)))
        return StudentLoginPayload(found=got[0] if got else None,
                                   login=got[1] if got else None, errors=errors)

    @strawberry.mutation(description="Close a family's cabinet (staff of its branch, or the owner).")
    async def revoke_cabinet_access(self, info: Ctx, family_id: strawberry.ID, reason: str = "") -> FamilyPayload:
        p = info.context.principal
        got, errors = await attempt(lambda: in_uow(info, lambda uow: family.revoke_access(
            deps(info), uow, p, str(family_id), reason)))
        return FamilyPayload(found=got, errors=errors)


@strawberry.type
class QuestionMutations:
    @strawberry.mutation(description="A family asks its branch a question (R-CAB-2).")
    async def ask_question(self, info: Ctx, input: AskQuestionInput) -> QuestionPayload:
        cmd = questions.AskQuestion(input.topic, input.text, _id(input.student_id), _id(input.branch_id))
        p = info.context.principal
        got, errors = await attempt(lambda: in_uow(info, lambda uow: questions.ask_question(deps(info), uow, p,
                                                                                            cmd)))
        return QuestionPayload(question=Question.from_model(got, deps(info).now()) if got else None, errors=errors)

    @strawberry.mutation(description="Staff answer a question of their branch.")
    async def answer_question(self, info: Ctx, question_id: strawberry.ID, answer: str) -> QuestionPayload:
        p = info.context.principal
        got, errors = await attempt(lambda: in_uow(info, lambda uow: questions.answer_question(
            deps(info), uow, p, str(question_id), answer)))
        return QuestionPayload(question=Question.from_model(got, deps(info).now()) if got else None, errors=errors)

    @strawberry.mutation(description="Close a question (its family, or staff of its branch).")
    async def close_question(self, info: Ctx, question_id: strawberry.ID) -> QuestionPayload:
        p = info.context.principal
        got, errors = await attempt(lambda: in_uow(info, lambda uow: questions.close_question(
            deps(info), uow, p, str(question_id))))
        return QuestionPayload(question=Question.from_model(got, deps(info).now()) if got else None, errors=errors)

    @strawberry.mutation(description="Set a topic's response time: school-wide (owner) or for a branch (its admin).")
    async def set_question_topic(self, info: Ctx, input: SetQuestionTopicInput) -> QuestionTopicPayload:
        p = info.context.principal

        async def run(uow: UnitOfWork) -> Topic:
            topic = Topic(input.code, input.title, input.response_hours, input.response_working_days,
                          _id(input.branch_id))
            return await questions.set_topic(uow, p, topic)

        got, errors = await attempt(lambda: in_uow(info, run))
        return QuestionTopicPayload(topic=QuestionTopic.from_model(got) if got else None, errors=errors)


async def _decide(info: Ctx, confirmation_id: str,
                  fn: Callable[..., Awaitable[FamilyConfirmation]]) -> FamilyConfirmationPayload:
    p = info.context.principal

    async def run(uow: UnitOfWork) -> FamilyConfirmationRequest:
        c = await fn(deps(info), uow, p, confirmation_id)
        return FamilyConfirmationRequest.from_view(confirmations.RequestView(c, None, None))

    got, errors = await attempt(lambda: in_uow(info, run))
    return FamilyConfirmationPayload(request=got, errors=errors)


Mutation = merge_types("Mutation", (SignInMutations, AccountMutations, OrgMutations, FamilyMutations,
                                    QuestionMutations))
