"""Helpers for identity's flows through the gateway (the e2e tests): the mailbox, typed-error assertions."""

from __future__ import annotations

import re
from typing import Any

from kabinet.testing.stack import GraphQLClient
from kabinet_stack.testing import StackHandle


class Flow:
    """Helpers the gateway flows share: the identity runtime's mailbox, typed-error assertions."""

    def __init__(self, stack: StackHandle) -> None:
        self.stack = stack
        self.identity = stack.runtime("identity")
        self.gateway = stack.client()

    def message(self, to: str) -> str:
        msg = self.identity.deps.mailbox.last_to(to)
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
