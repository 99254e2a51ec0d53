"""A small asyncio TCP proxy for fault-injection tests: cut, refuse or stall a server's connections.

Put it between a service and PostgreSQL or RabbitMQ (``proxy.url_for(url)`` rewrites host:port) and
then, mid-test:

- ``cut()``: drop every open connection (as when the broker restarts); new connections are accepted;
- ``down()``: drop everything and refuse new connections (server gone) until ``up()``;
- ``stall()``: keep connections open but forward nothing (a half-open network), until ``unstall()``.

It runs in the test's own event loop, so it needs no threads or processes.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit, urlunsplit


class TcpProxy:
    def __init__(self, target_host: str, target_port: int, listen_host: str = "127.0.0.1") -> None:
        self.target_host, self.target_port = target_host, target_port
        self.listen_host = listen_host
        self.port = 0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self.connections_accepted = 0
        self.connections_cut = 0

    @classmethod
    def for_url(cls, url: str) -> TcpProxy:
        parts = urlsplit(url)
        default = 5672 if parts.scheme.startswith("amqp") else 5432
        return cls(parts.hostname or "127.0.0.1", parts.port or default)

    def url_for(self, url: str) -> str:
        """The same URL, pointing at this proxy instead of the server."""
        parts = urlsplit(url)
        userinfo = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
        return urlunsplit(parts._replace(netloc=f"{userinfo}{self.listen_host}:{self.port}"))

    async def start(self) -> TcpProxy:
        await self.up()
        return self

    @property
    def is_up(self) -> bool:
        return self._server is not None

    async def up(self) -> None:
        if self._server is not None:
            return
        # Same port across down()/up(), so clients reconnect to the address they were given.
        self._server = await asyncio.start_server(self._accept, self.listen_host, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def down(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()
        await self.cut()

    async def cut(self) -> None:
        """Close every open connection on both sides (the clients see a reset)."""
        writers, self._writers = set(self._writers), set()
        for w in writers:
            self.connections_cut += 1
            with contextlib.suppress(Exception):
                w.transport.abort()
        pipes, self._pipes = set(self._pipes), set()
        for t in pipes:
            t.cancel()
        for t in pipes:
            with contextlib.suppress(BaseException):
                await t

    def stall(self) -> None:
        self._flowing.clear()

    def unstall(self) -> None:
        self._flowing.set()

    async def close(self) -> None:
        self.unstall()
        await self.down()

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.connections_accepted += 1
        try:
            server_reader, server_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            client_writer.transport.abort()
            return
        self._writers.update({client_writer, server_writer})
        for reader, writer in ((client_reader, server_writer), (server_reader, client_writer)):
            task = asyncio.create_task(self._pipe(reader, writer))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    async def __aenter__(self) -> TcpProxy:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
