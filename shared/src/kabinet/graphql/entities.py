"""What services that extend identity's ``Student`` ask the gateway for, so that a student registered a moment
ago is readable before its ``identity.student.registered`` event reached them (issue #11: ``addChild``'s payload).

A service's ``Student`` declares ``familyId``/``branchId`` as ``@external`` and each field
``@requires(fields: STUDENT_OWNER)``: the gateway fetches them from identity and sends them in the
representation. A service trusts them only for a student it does not know yet (it holds nothing of that
student, so nothing of anyone else's can be shown); a student it knows is checked against its own data.
"""

from __future__ import annotations

from typing import Protocol, Self

import strawberry

STUDENT_OWNER = "familyId branchId"


class StudentOwner(Protocol):
    """The student's family and branch, as identity gave them (empty outside the gateway)."""

    @property
    def family_id(self) -> str | None: ...

    @property
    def branch_id(self) -> str | None: ...


@strawberry.type
class StudentEntity:
    """Base of a service's ``Student``: the key and identity's family and branch as ``@external`` fields (the
    service's fields say ``@requires(fields: STUDENT_OWNER)``), filled from the gateway's representation."""

    id: strawberry.ID
    family_id: strawberry.ID = strawberry.federation.field(external=True, default="")
    branch_id: strawberry.ID | None = strawberry.federation.field(external=True, default=None)

    @classmethod
    def from_representation(cls, id: strawberry.ID, familyId: str = "", branchId: str | None = None) -> Self:
        return cls(id=id, family_id=strawberry.ID(familyId or ""),
                   branch_id=strawberry.ID(branchId) if branchId else None)
