"""A guardian's confirmation before anything is attached to their family by someone who cannot see it yet
(issue #10: a branch admin registering a child under another branch's family phone, a guardian linking records
registered under another phone). Until the family's guardian confirms — a one-time code sent to the family's
phone and entered by the requester, or an approval in the family's cabinet — nothing is attached and the
requester learns nothing of the family."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from identity.domain.credentials import CODE_MAX_ATTEMPTS, hash_secret

CONFIRMATION_TTL = timedelta(hours=24)
REQUESTS_PER_FAMILY_PER_DAY = 3  # each one is an SMS to the family: a cap so a desk cannot pester a family


class ConfirmationKind(StrEnum):
    ADD_STUDENTS = "add_students"  # staff register children under the family's phone
    LINK_GUARDIAN = "link_guardian"  # a signed-in guardian links the family's records to their own account


class ConfirmationStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


@dataclass(frozen=True)
class ChildToAdd:
    first_name: str
    last_name: str
    birth_date: date


@dataclass(frozen=True)
class ConfirmationPayload:
    """What a confirmation attaches: children to add (in a branch), or the guardian who asked to link."""

    branch_id: str | None = None
    students: tuple[ChildToAdd, ...] = ()
    guardian_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The stored form (the keys confirmations were stored with before this type)."""
        if self.guardian_id is not None:
            return {"guardian_id": self.guardian_id}
        return {"branch_id": self.branch_id,
                "students": [{"first_name": s.first_name, "last_name": s.last_name,
                              "birth_date": s.birth_date.isoformat()} for s in self.students]}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ConfirmationPayload:
        return cls(raw.get("branch_id"),
                   tuple(ChildToAdd(s["first_name"], s["last_name"], date.fromisoformat(s["birth_date"]))
                         for s in raw.get("students", [])),
                   raw.get("guardian_id"))


@dataclass
class FamilyConfirmation:
    id: str
    family_id: str  # the family the request attaches to
    phone: str  # where the code went: the family's phone
    kind: ConfirmationKind
    requested_by: str  # the user (staff member or guardian) who asked
    branch_id: str | None  # the requesting branch (staff), for who may enter the code
    payload: ConfirmationPayload  # what is attached on confirmation (children to add)
    code_hash: str
    created_at: datetime
    expires_at: datetime
    attempts: int = 0
    status: ConfirmationStatus = ConfirmationStatus.PENDING
    decided_at: datetime | None = None

    def open(self, now: datetime) -> bool:
        return self.status is ConfirmationStatus.PENDING and now < self.expires_at

    def try_code(self, pepper: bytes, code: str, now: datetime) -> bool:
        """Every wrong try counts; the fifth locks the request (ask again, which sends a new SMS)."""
        if not self.open(now) or self.attempts >= CODE_MAX_ATTEMPTS:
            return False
        if hmac.compare_digest(self.code_hash, hash_secret(pepper, code.strip())):
            return True
        self.attempts += 1
        return False

    def decide(self, status: ConfirmationStatus, now: datetime) -> None:
        self.status, self.decided_at = status, now
