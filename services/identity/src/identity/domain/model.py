"""Identity's domain: branches and staff; families linked by guardian phone, their guardians and students
(R-FAM-1, 2, 4). Plain dataclasses and rules; no framework imports."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from identity.domain.errors import (
    InvalidBirthDate,
    InvalidEmail,
    InvalidLogin,
    InvalidName,
    InvalidTimeZone,
    StudentErased,
    WeakPassword,
)


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


# -- value rules ---------------------------------------------------------------------------------------
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
# Deliberately simple: one @, a dot in the domain, no spaces; the confirmation link proves the rest.
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
MIN_PASSWORD_LENGTH = 10
# A student's login starts with a letter, so it can never be read as a phone number or an email.
_STUDENT_LOGIN_RE = re.compile(r"^[a-z][a-z0-9._-]{2,63}$")


def parse_birth_date(raw: str, today: date) -> date:
    """A whole date 'YYYY-MM-DD' that exists and is in the past (R-FAM-3): no part is ever defaulted."""
    m = _DATE_RE.match(raw.strip())
    if m is None:
        raise InvalidBirthDate(field="birthDate")
    try:
        value = date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError as exc:  # 2015-02-30, month 13 ...
        raise InvalidBirthDate(field="birthDate") from exc
    check_birth_date(value, today)
    return value


def check_birth_date(value: date, today: date) -> None:
    if value > today or value.year < today.year - 100:
        raise InvalidBirthDate(field="birthDate")


def clean_name(value: str, field_name: str) -> str:
    cleaned = " ".join(value.split())
    if not cleaned or len(cleaned) > 100:
        raise InvalidName(field=field_name)
    return cleaned


def normalise_email(raw: str, field_name: str = "email") -> str:
    value = raw.strip().lower()
    if len(value) > 254 or not _EMAIL_RE.match(value):
        raise InvalidEmail(field=field_name)
    return value


def normalise_student_login(raw: str, field_name: str = "login") -> str:
    value = raw.strip().lower()
    if not _STUDENT_LOGIN_RE.match(value):
        raise InvalidLogin(field=field_name)
    return value


def check_password(raw: str, field_name: str = "password") -> str:
    if len(raw) < MIN_PASSWORD_LENGTH or len(raw) > 256:
        raise WeakPassword(field=field_name)
    return raw


def check_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidTimeZone(field="timeZone") from exc
    return name


# -- organisation --------------------------------------------------------------------------------------
@dataclass
class Branch:
    id: str
    name: str
    city: str
    time_zone: str
    address: str
    created_at: datetime = field(default_factory=utcnow)

    @classmethod
    def create(cls, name: str, city: str, time_zone: str, address: str) -> Branch:
        return cls(new_id(), clean_name(name, "name"), clean_name(city, "city"), check_time_zone(time_zone),
                   address.strip())


class StaffRole(StrEnum):
    TEACHER = "teacher"
    BRANCH_ADMIN = "branch_admin"
    OWNER = "owner"


@dataclass
class Staff:
    id: str
    role: StaffRole
    first_name: str
    last_name: str
    email: str
    branch_ids: list[str]
    password_hash: str | None = None
    email_confirmed_at: datetime | None = None
    created_at: datetime = field(default_factory=utcnow)


# -- families ------------------------------------------------------------------------------------------
class FamilyOrigin(StrEnum):
    STAFF = "staff"  # registered by hand at a branch: the cabinet opens with the first paid subscription
    SELF = "self"  # self-registered online: the cabinet is open at once (R-FAM-5)


@dataclass
class Family:
    """One family per guardian phone (E.164): every child linked to that phone is in it."""

    id: str
    guardian_phone: str
    created_at: datetime = field(default_factory=utcnow)
    origin: FamilyOrigin = FamilyOrigin.STAFF
    access_open: bool = False
    students: list[Student] = field(default_factory=list)

    def add_student(self, first_name: str, last_name: str, birth_date: date, branch_id: str | None,
                    today: date) -> Student:
        first, last = Student.validate(first_name, last_name, birth_date, today)
        student = Student(new_id(), self.id, first, last, birth_date, branch_id)
        self.students.append(student)
        return student

    def open_access(self) -> bool:
        """True when this changed anything (the event is published only then)."""
        if self.access_open:
            return False
        self.access_open = True
        return True

    def close_access(self) -> bool:
        if not self.access_open:
            return False
        self.access_open = False
        return True


@dataclass
class Guardian:
    """An adult of a family (client): signs in by phone code, or by email/phone + password."""

    id: str
    family_id: str
    phone: str
    first_name: str = ""
    last_name: str = ""
    email: str | None = None
    email_confirmed_at: datetime | None = None
    is_payer: bool = False
    password_hash: str | None = None
    created_at: datetime = field(default_factory=utcnow)


ERASED_NAME = "—"


@dataclass
class Student:
    id: str
    family_id: str
    first_name: str
    last_name: str
    birth_date: date | None
    branch_id: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    erased_at: datetime | None = None

    @staticmethod
    def validate(first_name: str, last_name: str, birth_date: date, today: date) -> tuple[str, str]:
        first, last = clean_name(first_name, "firstName"), clean_name(last_name, "lastName")
        check_birth_date(birth_date, today)
        return first, last

    @property
    def erased(self) -> bool:
        return self.erased_at is not None

    def update(self, first_name: str | None, last_name: str | None, birth_date: date | None,
               branch_id: str | None, today: date) -> None:
        if self.erased:
            raise StudentErased()
        first, last = Student.validate(first_name if first_name is not None else self.first_name,
                                       last_name if last_name is not None else self.last_name,
                                       birth_date or self.birth_date or today, today)
        self.first_name, self.last_name = first, last
        if birth_date is not None:
            self.birth_date = birth_date
        if branch_id is not None:
            self.branch_id = branch_id

    def erase(self, now: datetime) -> None:
        """Pseudonymise: no name or birth date is kept; the id stays so amounts and dates still add up."""
        self.first_name, self.last_name, self.birth_date = ERASED_NAME, ERASED_NAME, None
        self.erased_at = now


@dataclass(frozen=True)
class Consent:
    """A guardian's consent to process a child's personal data, recorded before the profile exists."""

    id: str
    family_id: str
    student_id: str
    guardian_id: str | None
    source: str  # "cabinet" (ticked online) or "paper" (signed contract, recorded by staff)
    version: str
    given_at: datetime
    recorded_by: str | None
    withdrawn_at: datetime | None = None

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None


CONSENT_VERSION = "2025-01"


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored as UTC); PostgreSQL aware ones. Compare only aware ones."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
