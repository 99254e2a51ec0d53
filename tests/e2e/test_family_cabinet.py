"""End to end through the gateway: a registered family's cabinet shows its students and balance.

Runs on the real servers (PostgreSQL + RabbitMQ) and in the embedded mode (SQLite + in-process bus).
"""

from __future__ import annotations

from kabinet.auth import Principal, Role
from kabinet_stack.testing import StackHandle

B1 = "00000000-0000-4000-8000-0000000000b1"

ADMIN = Principal(user_id="admin-1", role=Role.BRANCH_ADMIN, branch_ids=frozenset({B1}))

REGISTER = """
mutation Register($input: RegisterStudentInput!) {
  registerStudent(input: $input) { student { id familyId } errors { field code message } }
}"""

CABINET = """
query Cabinet($id: ID!) {
  family(id: $id) {
    id
    guardianPhone
    students { firstName lastName }
    account { balance { amount currency } }
  }
}"""


async def register(stack: StackHandle, first: str, phone: str = "+7 912 345-67-89") -> dict:
    result = await stack.client(ADMIN).execute(REGISTER, {"input": {
        "guardianPhone": phone, "firstName": first, "lastName": "Ivanova", "birthDate": "2016-05-04",
        "branchId": B1}})
    assert result["_status"] == 200, result
    return result["data"]["registerStudent"]


async def test_family_students_and_balance_in_one_query(stack: StackHandle) -> None:
    first = await register(stack, "Masha")
    second = await register(stack, "Petya")
    family_id = first["student"]["familyId"]
    assert second["student"]["familyId"] == family_id
    await stack.drain()

    guardian = Principal(user_id="g-1", role=Role.GUARDIAN, family_id=family_id)
    got = await stack.client(guardian).execute(CABINET, {"id": family_id})
    assert "errors" not in got, got
    family = got["data"]["family"]
    assert family["guardianPhone"] == "+79123456789"
    assert [s["firstName"] for s in family["students"]] == ["Masha", "Petya"]
    assert family["account"] == {"balance": {"amount": "0.00", "currency": "RUB"}}


async def test_bad_input_gets_typed_error_and_changes_nothing(stack: StackHandle) -> None:
    bad = await register(stack, "Masha", phone="not a phone")
    assert bad["student"] is None
    assert bad["errors"][0]["code"] == "INVALID_PHONE"
    unknown = await stack.client(ADMIN).execute(CABINET, {"id": "00000000-0000-0000-0000-000000000000"})
    assert unknown["data"]["family"] is None


async def test_guardian_cannot_read_another_family(stack: StackHandle) -> None:
    first = await register(stack, "Masha")
    await stack.drain()
    stranger = Principal(user_id="g-2", role=Role.GUARDIAN, family_id="someone-else")
    got = await stack.client(stranger).execute(CABINET, {"id": first["student"]["familyId"]})
    assert got["data"]["family"] is None
    assert got["errors"][0]["extensions"]["code"] == "FORBIDDEN"
