"""What services that extend identity's ``Student`` ask the gateway for, so that a student registered a moment
ago is readable before its ``identity.student.registered`` event reached them (issue #11: ``addChild``'s payload).

A service's ``Student`` declares ``familyId``/``branchId`` as ``@external`` and each field
``@requires(fields: STUDENT_OWNER)``: the gateway fetches them from identity and sends them in the
representation. A service trusts them only for a student it does not know yet (it holds nothing of that
student, so nothing of anyone else's can be shown); a student it knows is checked against its own data.
"""

from __future__ import annotations

from typing import Protocol

STUDENT_OWNER = "familyId branchId"


class StudentOwner(Protocol):
    """The student's family and branch, as identity gave them (empty outside the gateway)."""

    @property
    def family_id(self) -> str | None: ...

    @property
    def branch_id(self) -> str | None: ...
