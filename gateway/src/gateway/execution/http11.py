"""A small HTTP/1.1 client for the subgraph calls: keep-alive connections per subgraph, httptools parsing.

The gateway's hot path is one or more POSTs per request to a handful of known hosts. httpx spends more time in
its connection pool than the request takes (a scan of every connection per request, an import attempt per
call to detect the async library); this client keeps a stack of idle connections per origin, writes the
request in one call and parses the response with httptools (the parser uvicorn uses). A request that fails
on a reused connection before any response arrived (the server closed it while idle) is retried once on a
new connection; nothing else is retried.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import Mapping
from urllib.parse import urlsplit

import httptools


class HTTPError(Exception):
    """The request could not be completed (connection refused or lost, timeout, bad response)."""


class _StaleConnection(HTTPError):
    """A reused connection was already closed by the server: safe to retry on a new one."""


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.chunks: list[bytes] = []
        self.closed = False
        self.received_any = False
        self.keep_alive = True

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's transports are not asyncio.Transport

    def data_received(self, data: bytes) -> None:
        self.received_any = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(HTTPError(f"bad HTTP response: {exc}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            error = (
                HTTPError("connection closed by the server")
                if self.received_any
                else _StaleConnection("connection closed before the response")
            )
            self.waiter.set_exception(error)

    # httptools callbacks
    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()
        status = self.parser.get_status_code()
        body = b"".join(self.chunks)
        self.chunks = []
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result((status, body))

    def _fail(self, error: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(error)

    async def send(self, request: bytes) -> tuple[int, bytes]:
        assert self.transport is not None
        self.received_any = False
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.waiter

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class _CookieConnection(_Connection):
    """A connection that also keeps the response's Set-Cookie headers (only for the session subgraphs: the header
    callback costs a Python call per header, which the other subgraphs' hot path does not pay)."""

    def __init__(self) -> None:
        super().__init__()
        self.set_cookies: list[str] = []

    def on_message_begin(self) -> None:
        self.set_cookies = []

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"set-cookie":
            self.set_cookies.append(value.decode("latin-1"))


class Origin:
    """Keep-alive connections to one `scheme://host:port`, at most `max_connections` at once."""

    def __init__(
        self, url: str, max_connections: int = 200, max_idle: int = 100, *, collect_set_cookie: bool = False
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.ssl: ssl.SSLContext | None = ssl.create_default_context() if parts.scheme == "https" else None
        default_port = self.port == (443 if parts.scheme == "https" else 80)
        self.host_header = self.host if default_port else f"{self.host}:{self.port}"
        self.idle: deque[_Connection] = deque()
        self.max_idle = max_idle
        self.slots = asyncio.Semaphore(max_connections)
        self.protocol: type[_Connection] = _CookieConnection if collect_set_cookie else _Connection

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            _, connection = await loop.create_connection(
                self.protocol, self.host, self.port, ssl=self.ssl, server_hostname=self.host if self.ssl else None
            )
        except OSError as exc:
            raise HTTPError(f"cannot connect to {self.host_header}: {exc}") from exc
        return connection

    async def post(
        self, body: bytes, headers: Mapping[str, str], timeout_s: float, set_cookies: list[str] | None = None
    ) -> tuple[int, bytes]:
        """`set_cookies`, given to an Origin made with `collect_set_cookie`, receives the response's cookies."""
        head = [
            f"POST {self.path} HTTP/1.1\r\nHost: {self.host_header}\r\nContent-Type: application/json\r\n"
            f"Accept: application/graphql-response+json, application/json\r\nContent-Length: {len(body)}\r\n"
        ]
        for name, value in headers.items():
            if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
                raise HTTPError(f"header {name!r} contains a line break")
            head.append(f"{name}: {value}\r\n")
        head.append("\r\n")
        request = "".join(head).encode("latin-1") + body
        async with self.slots:
            try:
                async with asyncio.timeout(timeout_s):
                    return await self._exchange(request, set_cookies)
            except TimeoutError as exc:
                raise HTTPError(f"no response from {self.host_header} within {timeout_s:g} s") from exc

    async def _exchange(self, request: bytes, set_cookies: list[str] | None) -> tuple[int, bytes]:
        while self.idle:
            connection = self.idle.pop()
            if connection.closed:
                continue
            try:
                return await self._use(connection, request, set_cookies)
            except _StaleConnection:
                continue  # closed while idle: try the next one (or a new connection)
        connection = await self._connect()
        try:
            return await self._use(connection, request, set_cookies)
        except _StaleConnection as exc:
            raise HTTPError(str(exc)) from exc

    async def _use(self, connection: _Connection, request: bytes, set_cookies: list[str] | None) -> tuple[int, bytes]:
        try:
            status, body = await connection.send(request)
        except BaseException:
            connection.close()
            raise
        if set_cookies is not None and isinstance(connection, _CookieConnection):
            set_cookies.extend(connection.set_cookies)
        if connection.keep_alive and not connection.closed and len(self.idle) < self.max_idle:
            self.idle.append(connection)
        else:
            connection.close()
        return status, body

    def close(self) -> None:
        while self.idle:
            self.idle.pop().close()
