"""Identity's domain: families linked by a guardian phone, and their students (R-FAM-1, R-FAM-4)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from identity.domain.errors import InvalidBirthDate, InvalidName


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Student:
    id: str
    family_id: str
    first_name: str
    last_name: str
    birth_date: date
    branch_id: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @staticmethod
    def validate(first_name: str, last_name: str, birth_date: date, today: date) -> tuple[str, str]:
        first, last = first_name.strip(), last_name.strip()
        if not first:
            raise InvalidName(field="firstName")
        if not last:
            raise InvalidName(field="lastName")
        if birth_date > today or birth_date.year < today.year - 100:
            raise InvalidBirthDate(field="birthDate")
        return first, last


@dataclass
class Family:
    """One family per guardian phone (E.164): every child linked to that phone is in it."""

    id: str
    guardian_phone: str
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    students: list[Student] = field(default_factory=list)

    def add_student(self, first_name: str, last_name: str, birth_date: date, branch_id: str | None,
                    today: date) -> Student:
        first, last = Student.validate(first_name, last_name, birth_date, today)
        student = Student(new_id(), self.id, first, last, birth_date, branch_id)
        self.students.append(student)
        return student
