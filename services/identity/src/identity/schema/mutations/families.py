"""Families: staff registration, the guardian's cabinet (children, linking records, a second guardian),
confirmations by the family, and cabinet access."""

from __future__ import annotations

import strawberry

from identity.domain.confirmations import FamilyConfirmation
from identity.domain.model import Family as FamilyModel
from identity.domain.model import Student as StudentModel
from identity.entrypoints import session_cookie
from identity.schema.common import Ctx, optional_id, run
from identity.schema.entities import Guardian
from identity.schema.errors import UserError
from identity.schema.inputs import (
    AddChildInput,
    LinkRecordsInput,
    RegisterClientInput,
    RegisterStudentInput,
    SetStudentLoginInput,
    UpdateStudentInput,
)
from identity.schema.types import (
    FamilyConfirmationPayload,
    FamilyConfirmationRequest,
    FamilyPayload,
    GuardianPayload,
    LinkRecordsPayload,
    RegisterClientPayload,
    RegisterStudentPayload,
    StudentLoginPayload,
    StudentPayload,
)
from identity.service import accounts, confirmations, family, registration
from identity.service.confirmations import ConfirmationSent
from identity.service.sessions import AuthSession as AuthSessionModel
from kabinet.auth.rules import require_authenticated


def _decided(got: FamilyConfirmation | None, errors: list[UserError]) -> FamilyConfirmationPayload:
    request = None if got is None else FamilyConfirmationRequest.from_view(confirmations.RequestView(got, None, None))
    return FamilyConfirmationPayload(request=request, errors=errors)


@strawberry.type
class FamilyMutations:
    @strawberry.mutation(description="Staff register a student under a guardian phone (creates the family). A "
                                     "family that does not study in the caller's branch confirms first: the payload "
                                     "is then PENDING_CONFIRMATION, with nothing of the family.")
    async def register_student(self, info: Ctx, input: RegisterStudentInput) -> RegisterStudentPayload:
        cmd = registration.RegisterStudent(input.guardian_phone, input.first_name, input.last_name,
                                           input.birth_date, optional_id(input.branch_id))
        got, errors = await run(info, registration.register_student, cmd)
        return RegisterStudentPayload(found=got if isinstance(got, StudentModel) else None,
                                      sent=got if isinstance(got, ConfirmationSent) else None, errors=errors)

    @strawberry.mutation(description="Staff register a client (guardian) and students by hand (R-FAM-5). An "
                                     "existing family the caller cannot see confirms first (PENDING_CONFIRMATION).")
    async def register_client(self, info: Ctx, input: RegisterClientInput) -> RegisterClientPayload:
        cmd = registration.RegisterClient(
            input.phone, input.first_name, input.last_name, str(input.branch_id), input.consent_signed, input.email,
            tuple(registration.NewStudent(s.first_name, s.last_name, s.birth_date) for s in input.students))
        got, errors = await run(info, registration.register_client, cmd)
        return RegisterClientPayload(found=got if isinstance(got, FamilyModel) else None,
                                     sent=got if isinstance(got, ConfirmationSent) else None, errors=errors)

    @strawberry.mutation(description="Staff enter the code the family received for a PENDING_CONFIRMATION "
                                     "registration: the children are added and the family is shown.")
    async def confirm_family_registration(self, info: Ctx, confirmation_id: strawberry.ID,
                                          code: str) -> RegisterClientPayload:
        cmd = confirmations.ConfirmWithCode(str(confirmation_id), code)
        got, errors = await run(info, confirmations.confirm_family_registration, cmd)
        return RegisterClientPayload(found=got, sent=None, errors=errors)

    @strawberry.mutation(description="A guardian enters the code the records' family received for a "
                                     "PENDING_CONFIRMATION linkRecords: linked, with new tokens.")
    async def confirm_link_records(self, info: Ctx, confirmation_id: strawberry.ID, code: str) -> LinkRecordsPayload:
        cmd = confirmations.ConfirmWithCode(str(confirmation_id), code)
        got, errors = await run(info, family.confirm_link, cmd)
        return LinkRecordsPayload(session=session_cookie.deliver(info, got), sent=None, errors=errors)

    @strawberry.mutation(description="The family's guardian approves a request to attach to the family "
                                     "(children a branch registered under the family's phone, a guardian who "
                                     "linked its records).")
    async def approve_family_confirmation(self, info: Ctx, confirmation_id: strawberry.ID
                                          ) -> FamilyConfirmationPayload:
        return _decided(*await run(info, confirmations.approve, confirmations.Decide(str(confirmation_id))))

    @strawberry.mutation(description="The family's guardian declines such a request: nothing is attached.")
    async def decline_family_confirmation(self, info: Ctx, confirmation_id: strawberry.ID
                                          ) -> FamilyConfirmationPayload:
        return _decided(*await run(info, confirmations.decline, confirmations.Decide(str(confirmation_id))))

    @strawberry.mutation(description="A guardian adds another child from the cabinet (R-FAM-3); consent first.")
    async def add_child(self, info: Ctx, input: AddChildInput) -> StudentPayload:
        cmd = family.AddChild(input.first_name, input.last_name, input.birth_date, input.consent,
                              optional_id(input.branch_id), input.idempotency_key, input.confirm_duplicate)
        got, errors = await run(info, family.add_child, cmd)
        return StudentPayload(found=got, errors=errors)

    @strawberry.mutation(description="Correct a student's name, birth date or branch.")
    async def update_student(self, info: Ctx, input: UpdateStudentInput) -> StudentPayload:
        cmd = family.UpdateStudent(str(input.student_id), input.first_name, input.last_name, input.birth_date,
                                   optional_id(input.branch_id))
        got, errors = await run(info, family.update_student, cmd)
        return StudentPayload(found=got, errors=errors)

    @strawberry.mutation(description="Erase a child's personal data (guardian or owner); every service follows.")
    async def erase_student(self, info: Ctx, student_id: strawberry.ID) -> StudentPayload:
        got, errors = await run(info, family.erase_student, family.EraseStudent(str(student_id)))
        return StudentPayload(found=got, errors=errors)

    @strawberry.mutation(description="A guardian of the child's family gives (`given: true`) or withdraws consent to "
                                     "process the child's personal data; withdrawing keeps when it was given.")
    async def set_child_consent(self, info: Ctx, student_id: strawberry.ID, given: bool) -> StudentPayload:
        got, errors = await run(info, family.set_child_consent, family.SetChildConsent(str(student_id), given))
        return StudentPayload(found=got, errors=errors)

    @strawberry.mutation(description="Link existing client records by phone + birth date + surname (R-FAM-6). "
                                     "Returns new tokens for the linked family when the records' phone is the "
                                     "caller's own; otherwise the records' guardian confirms first "
                                     "(PENDING_CONFIRMATION, then confirmLinkRecords with their code).")
    async def link_records(self, info: Ctx, input: LinkRecordsInput) -> LinkRecordsPayload:
        cmd = family.LinkRecords(input.phone, input.birth_date, input.last_name)
        require_authenticated(info.context.principal)
        got, errors = await run(info, family.link_records, cmd)
        return LinkRecordsPayload(
            session=session_cookie.deliver(info, got if isinstance(got, AuthSessionModel) else None),
            sent=got if isinstance(got, ConfirmationSent) else None, errors=errors)

    @strawberry.mutation(description="Invite a second guardian to the family by phone.")
    async def invite_guardian(self, info: Ctx, phone: str, first_name: str, last_name: str) -> GuardianPayload:
        got, errors = await run(info, family.invite_guardian, family.InviteGuardian(phone, first_name, last_name))
        return GuardianPayload(guardian=Guardian.from_model(got) if got else None, errors=errors)

    @strawberry.mutation(description="Open a family's cabinet by hand (staff of its branch, or the owner).")
    async def open_cabinet_access(self, info: Ctx, family_id: strawberry.ID, reason: str = "") -> FamilyPayload:
        got, errors = await run(info, family.open_access_by_staff, family.ChangeAccess(str(family_id), reason))
        return FamilyPayload(found=got, errors=errors)

    @strawberry.mutation(description="Give a child a login and password of their own (R-FAM-1): a guardian of "
                                     "the family, the branch's admin, or the owner.")
    async def set_student_login(self, info: Ctx, input: SetStudentLoginInput) -> StudentLoginPayload:
        cmd = accounts.SetStudentLogin(str(input.student_id), input.login, input.password)
        got, errors = await run(info, accounts.set_student_login, cmd)
        return StudentLoginPayload(found=got.student if got else None, login=got.login if got else None,
                                   errors=errors)

    @strawberry.mutation(description="Close a family's cabinet (staff of its branch, or the owner).")
    async def revoke_cabinet_access(self, info: Ctx, family_id: strawberry.ID, reason: str = "") -> FamilyPayload:
        got, errors = await run(info, family.revoke_access, family.ChangeAccess(str(family_id), reason))
        return FamilyPayload(found=got, errors=errors)
