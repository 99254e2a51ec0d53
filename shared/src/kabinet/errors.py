"""Error codes clients can rely on (``extensions.code`` and mutation payload ``errors[].code``)."""

from __future__ import annotations


class KabinetError(Exception):
    """Base of errors whose message is safe to show a client."""

    code = "BAD_REQUEST"
    message = "The request cannot be processed."

    def __init__(self, message: str | None = None, *, field: str | None = None, code: str | None = None) -> None:
        self.message = message or self.message
        self.field = field
        if code:
            self.code = code
        super().__init__(self.message)


class Unauthenticated(KabinetError):
    code = "UNAUTHENTICATED"
    message = "Sign in to do this."


class Forbidden(KabinetError):
    code = "FORBIDDEN"
    message = "You do not have access to this."


class NotFound(KabinetError):
    code = "NOT_FOUND"
    message = "Not found."


class InvalidInput(KabinetError):
    code = "INVALID_INPUT"
    message = "The input is not valid."


class BadUserInput(KabinetError):
    """An argument's value is out of its domain (a time without an offset, a text too long, ...)."""

    code = "BAD_USER_INPUT"
    message = "An argument's value is not valid."


class Conflict(KabinetError):
    code = "CONFLICT"
    message = "This conflicts with the current state."


class IdempotencyKeyReused(KabinetError):
    code = "IDEMPOTENCY_KEY_REUSED"
    message = "This idempotency key was already used for a different request."
