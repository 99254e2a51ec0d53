"""Helpers for identity's flows through the gateway (the e2e tests): the mailbox, typed-error assertions."""

from __future__ import annotations

import re
import uuid
from typing import Any

from identity_testkit import (
    COMPLETE_REG,
    CREATE_BRANCH,
    CREATE_STAFF,
    REGISTER_CLIENT,
    REQUEST_CODE,
    REQUEST_REG_CODE,
    SIGN_IN_CODE,
    SIGN_IN_PASSWORD,
    new_phone,
)

from kabinet.testing.stack import GraphQLClient
from kabinet_stack.testing import StackHandle


class Flow:
    """Helpers the gateway flows share: the identity runtime's mailbox, typed-error assertions."""

    def __init__(self, stack: StackHandle) -> None:
        self.stack = stack
        self.identity = stack.runtime("identity")
        self.gateway = stack.client()

    def message(self, to: str) -> str:
        msg = self.identity.mailbox.last_to(to)
        assert msg is not None, f"nothing was sent to {to}"
        return str(msg.text)

    def code(self, phone: str) -> str:
        found = re.search(r"\b(\d{6})\b", self.message(phone))
        assert found, "no code in the SMS"
        return found.group(1)

    def link_token(self, email: str) -> str:
        found = re.search(r"token=([\w-]+)", self.message(email))
        assert found, "no link in the email"
        return found.group(1)

    def as_token(self, token: str | None) -> GraphQLClient:
        return self.gateway.as_(token)

    async def owner(self) -> GraphQLClient:
        """The school's owner, signed in by email + password through the gateway (created once per stack)."""
        from identity.domain.model import StaffRole
        from identity.service import org
        from kabinet.auth import Principal, Role

        if not getattr(self.stack, "owner_created", False):
            async with self.identity.unit_of_work() as uow:
                cmd = org.CreateStaff(StaffRole.OWNER, OWNER_EMAIL, "Olga", "Owner", (), STAFF_PASSWORD)
                await org.create_staff(cmd, uow, Principal(user_id="bootstrap", role=Role.OWNER))
            self.stack.owner_created = True  # type: ignore[attr-defined]
        return await self.sign_in_password(OWNER_EMAIL, STAFF_PASSWORD)

    async def sign_in_password(self, login: str, password: str) -> GraphQLClient:
        got = await ok(self.gateway, SIGN_IN_PASSWORD, {"l": login, "pw": password})
        return self.as_token(got["signInWithPassword"]["session"]["accessToken"])

    async def sign_in_code(self, phone: str) -> dict[str, Any]:
        """The whole SMS sign-in through the gateway; returns the signInWithCode payload."""
        await ok(self.gateway, REQUEST_CODE, {"p": phone})
        got = await self.gateway.execute(SIGN_IN_CODE, {"p": phone, "c": self.code(phone)})
        return dict(got["data"]["signInWithCode"])

    async def branch(self, owner: GraphQLClient, city: str = "Moscow", tz: str = "Europe/Moscow") -> str:
        got = await ok(owner, CREATE_BRANCH, {"i": {"name": f"{city} {uuid.uuid4().hex[:4]}", "city": city,
                                                    "timeZone": tz, "address": "Main 1"}})
        return str(got["createBranch"]["branch"]["id"])

    async def staff(self, owner: GraphQLClient, role: str, branch_id: str) -> tuple[str, GraphQLClient]:
        """A staff member with a password, and a client signed in as them (real sign-in)."""
        email = f"{role.lower()}.{uuid.uuid4().hex[:8]}@e2e.test"
        got = await ok(owner, CREATE_STAFF, {"i": {"role": role, "email": email, "firstName": "Staff",
                                                   "lastName": role.title(), "branchIds": [branch_id],
                                                   "password": STAFF_PASSWORD}})
        return str(got["createStaff"]["staff"]["id"]), await self.sign_in_password(email, STAFF_PASSWORD)

    async def client_family(self, admin: GraphQLClient, branch_id: str, kids: tuple[tuple[str, str], ...],
                            last_name: str = "Petrova", phone: str | None = None) -> dict[str, Any]:
        """A client and children registered by hand at the branch (the cabinet is not open yet)."""
        phone = phone or new_phone()
        got = await ok(admin, REGISTER_CLIENT, {"i": {
            "phone": phone, "firstName": "Anna", "lastName": last_name, "branchId": branch_id,
            "consentSigned": True,
            "students": [{"firstName": f, "lastName": last_name, "birthDate": b} for f, b in kids]}})
        family = dict(got["registerClient"]["family"])
        family["phone"] = phone
        return family

    async def open_cabinet(self, admin: GraphQLClient, family_id: str) -> None:
        got = await ok(admin, OPEN_ACCESS, {"f": family_id})
        assert got["openCabinetAccess"]["family"]["accessOpen"] is True

    async def self_registered(self, first_name: str, last_name: str) -> tuple[str, GraphQLClient]:
        """A guardian who registers online with a new phone (their cabinet opens at once), signed in."""
        phone = new_phone()
        await ok(self.gateway, REQUEST_REG_CODE, {"p": phone})
        got = await ok(self.gateway, COMPLETE_REG, {"i": {"phone": phone, "code": self.code(phone),
                                                          "firstName": first_name, "lastName": last_name}})
        return phone, self.as_token(got["completeRegistration"]["session"]["accessToken"])

    async def guardian(self, phone: str) -> GraphQLClient:
        session = (await self.sign_in_code(phone))["session"]
        assert session is not None, f"{phone} could not sign in"
        return self.as_token(session["accessToken"])


async def ok(client: GraphQLClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """Data of a request that must succeed: no GraphQL error and no payload error."""
    got = await client.execute(query, variables)
    assert not got.get("errors"), got
    for value in got["data"].values():
        if isinstance(value, dict) and "errors" in value:
            assert value["errors"] == [], got
    return dict(got["data"])


def payload_error(got: dict[str, Any], field: str) -> str:
    """The code of the first typed payload error of mutation ``field``."""
    assert not got.get("errors"), got
    errors = got["data"][field]["errors"]
    assert errors, got
    return str(errors[0]["code"])


def error_code(got: dict[str, Any]) -> str:
    """The ``extensions.code`` of the first GraphQL error."""
    assert got.get("errors"), got
    return str((got["errors"][0].get("extensions") or {}).get("code"))

OWNER_EMAIL = "owner@e2e.test"
STAFF_PASSWORD = "staff-password-1"
OPEN_ACCESS = """mutation($f: ID!) { openCabinetAccess(familyId: $f) { family { id accessOpen } errors { code } } }"""
