"""Serving ASGI apps over real HTTP on 127.0.0.1 (uvicorn in a thread) and running the Node gateways of
`tests/node` as subprocesses, for parity tests and benchmarks."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, Literal

import uvicorn

from gateway.http_server import CoalescingHttpToolsProtocol
from gateway.testing.apollo import ApolloHarnessMissing, node_harness_dir
from kabinet.testing.net import free_port


class ThreadedServer:
    """One ASGI app served by uvicorn on 127.0.0.1 in a daemon thread with its own event loop."""

    def __init__(
        self,
        app: Any,
        *,
        path: str = "/graphql",
        lifespan: Literal["auto", "on", "off"] = "auto",
        timeout_keep_alive: int = 5,
    ) -> None:
        self._app, self._path, self._lifespan, self._keep_alive = app, path, lifespan, timeout_keep_alive
        self._prepare()

    def _prepare(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}{self._path}"
        config = uvicorn.Config(
            self._app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan=self._lifespan,
            http=CoalescingHttpToolsProtocol,  # as `kabinet-gateway serve` runs
            # Node's keep-alive agent may reuse a connection just as the server closes it ("socket hang up").
            timeout_keep_alive=self._keep_alive,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True, name=f"uvicorn-{self.port}")

    def start(self, timeout_s: float = 15.0, attempts: int = 5) -> ThreadedServer:
        """Start; a port taken between `free_port` and the bind (another process got it first: CI saw it) is
        given up for a new one, up to `attempts` times."""
        for attempt in range(attempts):
            if attempt:
                self._prepare()
            self.thread.start()
            deadline = time.monotonic() + timeout_s
            while not self.server.started and self.thread.is_alive():
                if time.monotonic() > deadline:
                    raise RuntimeError(f"uvicorn did not start on port {self.port} within {timeout_s} s")
                time.sleep(0.01)
            if self.server.started:
                return self
        raise RuntimeError(f"uvicorn did not start: {attempts} ports were taken or refused")

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread.ident is not None:  # a server whose start failed, or that never started, has no thread
            self.thread.join(timeout=10)


@contextlib.contextmanager
def serve_apps(apps: Mapping[str, Any], **kwargs: Any) -> Iterator[dict[str, str]]:
    """Serve each `{name: asgi app}`; yields `{name: url}`."""
    servers = {name: ThreadedServer(app, **kwargs) for name, app in apps.items()}
    try:
        for server in servers.values():
            server.start()
        yield {name: server.url for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()


class NodeServer:
    """A `tests/node/<script>` server; it prints `{"url": ...}` once listening."""

    def __init__(self, script: str, env: Mapping[str, str], *, cpu: int | None = None) -> None:
        self.script = script
        self.env = dict(env)
        self.cpu = cpu
        self.process: subprocess.Popen[str] | None = None
        self.url = ""
        # The whole first line the script printed (some report more than one URL).
        self.result: dict[str, Any] = {}

    def start(self, timeout_s: float = 60.0) -> NodeServer:
        node = shutil.which("node")
        if node is None:
            raise ApolloHarnessMissing("node is not installed")
        harness = node_harness_dir()
        if not (harness / "node_modules" / "@apollo" / "gateway").is_dir():
            raise ApolloHarnessMissing("run `npm ci --prefix tests/node` first")
        command = [node, str(harness / self.script)]
        if self.cpu is not None and shutil.which("taskset"):
            command = ["taskset", "-c", str(self.cpu), *command]
        self.process = subprocess.Popen(
            command,
            cwd=harness,
            env={**os.environ, **self.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        result: dict[str, Any] = {}

        def read_first_line() -> None:
            assert self.process is not None and self.process.stdout is not None
            line = self.process.stdout.readline()
            with contextlib.suppress(ValueError):
                result.update(json.loads(line))

        reader = threading.Thread(target=read_first_line, daemon=True)
        reader.start()
        reader.join(timeout_s)
        if "url" not in result and "urls" not in result:
            self.stop()
            stderr = self.process.stderr.read() if self.process.stderr else ""
            raise RuntimeError(f"{self.script} did not start: {stderr[-3000:]}")
        self.url = result.get("url", "")
        self.result = result
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@contextlib.contextmanager
def apollo_gateway(subgraph_urls: Mapping[str, str] | None = None, supergraph_file: str | None = None) -> Iterator[str]:
    """`@apollo/gateway` behind `@apollo/server` on 127.0.0.1; yields its /graphql URL."""
    env = {"SUBGRAPHS": json.dumps(dict(subgraph_urls or {}))}
    if supergraph_file:
        env["SUPERGRAPH_FILE"] = supergraph_file
    server = NodeServer("apollo-gateway.mjs", env).start()
    try:
        yield server.url
    finally:
        server.stop()


class _InLoopServer(uvicorn.Server):
    def capture_signals(self) -> contextlib.AbstractContextManager[None]:  # type: ignore[override]
        return contextlib.nullcontext()  # leave the test runner's signal handlers alone


@contextlib.asynccontextmanager
async def serve_apps_in_loop(apps: Mapping[str, Any], *, path: str = "/graphql") -> AsyncIterator[dict[str, str]]:
    """Serve ASGI apps with uvicorn as tasks of the running event loop, lifespan off: for apps whose resources
    (database engines, bus connections) belong to this loop and are started by their owner."""
    servers: list[tuple[_InLoopServer, asyncio.Task[None]]] = []
    urls: dict[str, str] = {}
    try:
        for name, app in apps.items():
            port = free_port()
            config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
            server = _InLoopServer(config)
            servers.append((server, asyncio.create_task(server.serve())))
            urls[name] = f"http://127.0.0.1:{port}{path}"
            while not server.started:  # noqa: ASYNC110 - uvicorn offers no event for it
                await asyncio.sleep(0.01)
        yield urls
    finally:
        for server, _ in servers:
            server.should_exit = True
        for _, task in servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 10)


@contextlib.asynccontextmanager
async def apollo_gateway_async(
    subgraph_urls: Mapping[str, str], subgraph_headers: Mapping[str, str] | None = None
) -> AsyncIterator[str]:
    """`apollo_gateway` for subgraphs served by this event loop (it must keep running while Node composes);
    `subgraph_headers` go on every subgraph request (Kabinet's services want the gateway's secret)."""
    env = {"SUBGRAPHS": json.dumps(dict(subgraph_urls)), "SUBGRAPH_HEADERS": json.dumps(dict(subgraph_headers or {}))}
    server = NodeServer("apollo-gateway.mjs", env)
    await asyncio.to_thread(server.start)
    try:
        yield server.url
    finally:
        await asyncio.to_thread(server.stop)


@contextlib.contextmanager
def apollo_gateways(cases: Mapping[str, Mapping[str, str]]) -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    """One `@apollo/gateway` per `{case: {subgraph: url}}`, all in one Node process; yields `({case: url},
    {case: why Apollo could not start it})`."""
    env = {"CASES": json.dumps({name: dict(urls) for name, urls in cases.items()})}
    server = NodeServer("apollo-gateways.mjs", env)
    server.start(timeout_s=120)
    try:
        yield server.result.get("urls", {}), server.result.get("errors", {})
    finally:
        server.stop()
