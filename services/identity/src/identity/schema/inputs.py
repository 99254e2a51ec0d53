"""Identity's GraphQL inputs. Birth dates are Strings (YYYY-MM-DD) validated by the domain, so an impossible
date such as 2015-02-30 gets identity's typed INVALID_BIRTH_DATE error, not a generic scalar error (R-FAM-3)."""

from __future__ import annotations

import strawberry

from identity.schema.enums import StaffRoleInput


@strawberry.input
class RegisterStudentInput:
    guardian_phone: str
    first_name: str
    last_name: str
    birth_date: str = strawberry.field(description="YYYY-MM-DD, given whole.")
    branch_id: strawberry.ID | None = None


@strawberry.input
class NewStudentInput:
    first_name: str
    last_name: str
    birth_date: str = strawberry.field(description="YYYY-MM-DD, given whole.")


@strawberry.input
class RegisterClientInput:
    phone: str
    first_name: str
    last_name: str
    branch_id: strawberry.ID
    consent_signed: bool = strawberry.field(description="The guardian signed the personal-data consent.")
    email: str | None = None
    students: list[NewStudentInput] = strawberry.field(default_factory=list)


@strawberry.input
class AddChildInput:
    first_name: str
    last_name: str
    birth_date: str = strawberry.field(description="YYYY-MM-DD, given whole: never defaulted (R-FAM-3).")
    consent: bool = strawberry.field(description="The guardian consents to processing the child's data.")
    branch_id: strawberry.ID | None = None
    idempotency_key: str | None = None
    confirm_duplicate: bool = strawberry.field(
        default=False, description="Add the child even though one with this name and birth date is in the "
                                   "family already (otherwise DUPLICATE_CHILD).")


@strawberry.input
class UpdateStudentInput:
    student_id: strawberry.ID
    first_name: str | None = None
    last_name: str | None = None
    birth_date: str | None = None
    branch_id: strawberry.ID | None = None


@strawberry.input
class LinkRecordsInput:
    phone: str
    birth_date: str
    last_name: str


@strawberry.input
class CompleteRegistrationInput:
    phone: str
    code: str
    first_name: str
    last_name: str
    email: str | None = None
    password: str | None = None


@strawberry.input
class ResetPasswordInput:
    new_password: str
    token: str | None = strawberry.field(default=None, description="From the email link.")
    phone: str | None = strawberry.field(default=None, description="With the SMS code.")
    code: str | None = None


@strawberry.input
class CreateBranchInput:
    name: str
    city: str
    time_zone: str
    address: str


@strawberry.input
class UpdateBranchInput:
    id: strawberry.ID
    name: str | None = None
    city: str | None = None
    time_zone: str | None = None
    address: str | None = None


@strawberry.input
class CreateStaffInput:
    role: StaffRoleInput
    email: str
    first_name: str
    last_name: str
    branch_ids: list[strawberry.ID]
    password: str | None = None


@strawberry.input
class AskQuestionInput:
    topic: str
    text: str
    student_id: strawberry.ID | None = None
    branch_id: strawberry.ID | None = None


@strawberry.input
class SetQuestionTopicInput:
    code: str
    title: str
    response_hours: int | None = None
    response_working_days: int | None = None
    branch_id: strawberry.ID | None = None


@strawberry.input
class SetPasswordInput:
    new_password: str
    current_password: str | None = strawberry.field(
        default=None, description="Needed when the account already has a password.")


@strawberry.input
class SetStudentLoginInput:
    student_id: strawberry.ID
    login: str = strawberry.field(description="3-64 letters, digits, dots, dashes, underscores; starts with a "
                                              "letter.")
    password: str
