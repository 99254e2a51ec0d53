"""The test servers' uvicorn-in-a-thread: a port another process takes between picking it and binding it."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest

from gateway.testing import servers
from gateway.testing.servers import ThreadedServer


async def _ok(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


# uvicorn's failed bind ends its thread with SystemExit: expected here, the retry is what is tested.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_port_taken_before_the_bind_is_given_up_for_another(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        picks = iter([busy])
        real = servers.free_port
        monkeypatch.setattr(servers, "free_port", lambda: next(picks, None) or real())
        server = ThreadedServer(_ok, path="/", lifespan="off")
        assert server.port == busy
        try:
            server.start()
            assert server.port != busy
            assert httpx.get(server.url).text == "ok"
        finally:
            server.stop()


def test_a_server_never_started_stops_quietly() -> None:
    ThreadedServer(_ok, lifespan="off").stop()
