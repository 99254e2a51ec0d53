"""uvicorn's httptools protocol, writing each response's head and (first) body chunk to the socket in one call.

uvicorn writes the status line and headers as soon as the app sends `http.response.start`, then the body as a
second write: two TCP segments per response, so a client on the same machine is woken for the head and again
for the body. On a busy machine every wake-up may wait for a CPU: that second one was a good part of the latency
the gateway added to a small response (bench/gateway_peers.py S5). Here the head is held until the body arrives (in
the same step of the app's task, for a `Response`) and goes out with it; a streamed response's head is sent at
the latest one event-loop iteration later. `100 Continue` is never held. WebSocket upgrades are untouched.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

CONTINUE = b"HTTP/1.1 100 "


class _HeadWithBody:
    """The transport as one request/response cycle sees it: write / close / is_closing."""

    __slots__ = ("_head", "_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._head: bytes | None = None
        self._held = False

    def write(self, data: bytes) -> None:
        head = self._head
        if head is not None:
            self._head = None
            self._transport.write(head + data)
        elif not self._held and not data.startswith(CONTINUE):
            # The response's head: the first write of the cycle that is not an interim `100 Continue`.
            self._held = True
            self._head = data
            self._loop.call_soon(self.flush)
        else:
            self._transport.write(data)

    def flush(self) -> None:
        head = self._head
        if head is not None:
            self._head = None
            if not self._transport.is_closing():
                self._transport.write(head)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """Pass as `uvicorn.run(..., http=CoalescingHttpToolsProtocol)`."""

    def on_headers_complete(self) -> None:
        previous = self.cycle
        super().on_headers_complete()
        cycle: Any = self.cycle
        # A new cycle (not a WebSocket upgrade, which returns before creating one): its task has been created
        # but has not run yet, so it writes through the wrapper from its first message on.
        if cycle is not None and cycle is not previous:
            cycle.transport = _HeadWithBody(self.transport, self.loop)
