"""A ceiling on request bodies, so no client makes a service read (and parse) megabytes of JSON."""

from __future__ import annotations

import json
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# GraphQL requests are a few KB; the largest legitimate ones (a month's lesson sheet) are far below this.
DEFAULT_MAX_BODY_BYTES: Final = 1024 * 1024


class BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """Refuses a body over ``max_bytes`` with 413 and a typed error: by its Content-Length before reading,
    or while it streams in when the length is not declared."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.max_bytes <= 0:
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and declared_too_large(value, self.max_bytes):
                await self._refuse(send)
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        await refuse_too_large(send, self.max_bytes)


def declared_too_large(value: bytes, max_bytes: int) -> bool:
    """Whether a Content-Length header's value is over the limit (one that is not a number counts as over)."""
    try:
        return int(value) > max_bytes
    except ValueError:
        return True


async def refuse_too_large(send: Send, max_bytes: int) -> None:
    body = json.dumps({"errors": [{
        "message": f"The request body is larger than {max_bytes} bytes.",
        "extensions": {"code": "PAYLOAD_TOO_LARGE"}}]}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
