"""Who is calling: resolved once per request from the verified access token."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    ANONYMOUS = "anonymous"
    GUARDIAN = "guardian"
    STUDENT = "student"
    TEACHER = "teacher"
    BRANCH_ADMIN = "branch_admin"
    OWNER = "owner"
    SERVICE = "service"  # another Kabinet service acting on its own behalf


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str | None = None
    role: Role = Role.ANONYMOUS
    family_id: str | None = None
    student_ids: frozenset[str] = field(default_factory=frozenset)
    branch_ids: frozenset[str] = field(default_factory=frozenset)
    staff_id: str | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.role is not Role.ANONYMOUS

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.TEACHER, Role.BRANCH_ADMIN, Role.OWNER)

    def claims(self) -> dict[str, Any]:
        """The token claims that carry this principal (identity signs them)."""
        return {
            "sub": self.user_id,
            "role": self.role.value,
            "fam": self.family_id,
            "stu": sorted(self.student_ids),
            "br": sorted(self.branch_ids),
            "stf": self.staff_id,
        }

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        return cls(
            user_id=claims.get("sub"),
            role=Role(claims.get("role", "anonymous")),
            family_id=claims.get("fam"),
            student_ids=frozenset(claims.get("stu") or ()),
            branch_ids=frozenset(claims.get("br") or ()),
            staff_id=claims.get("stf"),
        )


ANONYMOUS = Principal()
