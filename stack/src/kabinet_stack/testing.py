"""pytest plugin: the whole system for end-to-end tests, on the real servers or embedded.

- ``real_stack``: the four services (each on its own PostgreSQL database of this run, each with its own
  RabbitMQ connection on this test's exchange) and the gateway, in this process.
- ``embedded_stack``: the same wiring on SQLite files and the in-process bus (the ``make run`` mode).
- ``stack``: parametrised over both, for flows that must hold in either mode.
- ``module_stack``: ``real_stack`` shared by one test module.
- ``cached_stack``: ``real_stack`` with the gateway's entity cache on (in process; :func:`cached_run` for others).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.config import GatewaySettings
from kabinet.auth import Principal, SigningKey
from kabinet.settings import MessagingSettings
from kabinet.testing.net import free_port, stop_processes
from kabinet.testing.stack import GraphQLClient, token_for
from kabinet.web.gateway_only import SECRET_ENV
from kabinet_stack import demo
from kabinet_stack.embedded import Stack
from kabinet_stack.services import SERVICE_NAMES


@contextlib.asynccontextmanager
async def kabinet_run(tmp_path: Path, *args: str, env: dict[str, str] | None = None,
                      timeout_s: float = 600) -> AsyncIterator[tuple[str, Path]]:
    """`kabinet run` (what `make run` starts; `args` added) in a subprocess on a free port with its own data
    directory, until it is ready and has printed the demo logins; yields its base URL and its log file. The
    first start on a machine may build the web app (npm ci + build): hence the long timeout."""
    port = free_port()
    tmp_path.mkdir(parents=True, exist_ok=True)
    log = tmp_path / "run.log"
    with open(log, "wb") as out:
        # As a person starts it: without the test run's gateway secret, so it makes its data directory's own.
        child_env = {k: v for k, v in os.environ.items() if k != SECRET_ENV} | (env or {})
        proc = subprocess.Popen([str(Path(sys.executable).parent / "kabinet"), "run", "--port", str(port),
                                 "--data-dir", str(tmp_path / "var"), *args], stdout=out, stderr=subprocess.STDOUT,
                                env=child_env)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client, asyncio.timeout(timeout_s):
            while True:
                assert proc.poll() is None, log.read_text()[-3000:]
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{base}/readyz")).status_code == 200 and "Demo logins" in log.read_text():
                        break
                await asyncio.sleep(0.3)
        yield base, log
    finally:
        stop_processes(proc, timeout_s=20)


class StackHandle:
    def __init__(self, stack: Stack, key: SigningKey, mode: str) -> None:
        self.stack, self.key, self.mode = stack, key, mode
        self._client = GraphQLClient(stack.app)

    def token(self, principal: Principal) -> str:
        return token_for(self.key, principal)

    def client(self, principal: Principal | None = None) -> GraphQLClient:
        """A client of the gateway's /graphql, signed in as ``principal`` (anonymous if None)."""
        return self._client.as_(self.token(principal) if principal else None)

    def service_client(self, name: str, principal: Principal | None = None) -> GraphQLClient:
        """A client of one service's own /graphql (bypassing the gateway), for authorization tests."""
        return GraphQLClient(self.stack.apps[name], self.token(principal) if principal else None)

    async def drain(self) -> None:
        """Wait until every event published so far has been delivered (outboxes empty)."""
        await demo.drain(self.stack)

    def runtime(self, name: str) -> Any:
        return self.stack.runtimes[name]


async def _run(stack: Stack, key: SigningKey, mode: str, migrate: bool) -> AsyncIterator[StackHandle]:
    if migrate:
        for runtime in stack.runtimes.values():
            await runtime.migrate()
    async with stack.running():
        handle = StackHandle(stack, key, mode)
        try:
            yield handle
        finally:
            await handle._client.aclose()


@pytest.fixture
async def real_stack(database_factory: Callable[[str], Awaitable[str]], messaging: MessagingSettings,
                     tmp_path: Path) -> AsyncIterator[StackHandle]:
    key = SigningKey.generate()
    urls = {name: await database_factory(name) for name in SERVICE_NAMES}
    stack = Stack(tmp_path, database_urls=urls, messaging=messaging, identity_private_key_pem=key.to_pem(),
                  dev_mailbox=True)
    async for handle in _run(stack, key, "real", migrate=True):
        yield handle


async def cached_run(tmp_path: Path, database_factory: Callable[[str], Awaitable[str]],
                     messaging: MessagingSettings, settings: GatewaySettings) -> AsyncIterator[StackHandle]:
    """``real_stack`` behind a gateway with these settings (a cache on), once the gateway's event queue is bound:
    an event published from then on reaches its cache."""
    key = SigningKey.generate()
    urls = {name: await database_factory(name) for name in SERVICE_NAMES}
    stack = Stack(tmp_path, database_urls=urls, messaging=messaging, identity_private_key_pem=key.to_pem(),
                  dev_mailbox=True, gateway_settings=settings)
    async for handle in _run(stack, key, "real", migrate=True):
        await asyncio.wait_for(gateway_feed(handle).ready.wait(), 15)
        yield handle


def gateway_feed(handle: StackHandle) -> Any:
    """The gateway's RabbitMQ feed of events (under the feed its cache and subscriptions share)."""
    return handle.stack.gateway.state.gateway.feed.feed


@pytest.fixture
async def cached_stack(database_factory: Callable[[str], Awaitable[str]], messaging: MessagingSettings,
                       tmp_path: Path) -> AsyncIterator[StackHandle]:
    """Entries live at most 30 s: a read fresh sooner after a change was made so by the events that named it."""
    settings = GatewaySettings(compose_timeout_s=60, cache="memory", cache_max_age_s=30)
    async for handle in cached_run(tmp_path, database_factory, messaging, settings):
        yield handle


@pytest.fixture(scope="module")
async def module_stack(database_factory: Callable[[str], Awaitable[str]], module_messaging: MessagingSettings,
                       tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[StackHandle]:
    """``real_stack`` shared by every test of one module (a stack costs seconds to start): for modules whose
    tests each make their own branches, families and people."""
    key = SigningKey.generate()
    urls = {name: await database_factory(name) for name in SERVICE_NAMES}
    stack = Stack(tmp_path_factory.mktemp("stack"), database_urls=urls, messaging=module_messaging,
                  identity_private_key_pem=key.to_pem(), dev_mailbox=True)
    async for handle in _run(stack, key, "real", migrate=True):
        yield handle


@pytest.fixture
async def embedded_stack(tmp_path: Path) -> AsyncIterator[StackHandle]:
    key = SigningKey.generate()
    stack = Stack(tmp_path, messaging=MessagingSettings(amqp_url=None), identity_private_key_pem=key.to_pem(),
                  dev_mailbox=True)
    async for handle in _run(stack, key, "embedded", migrate=False):
        yield handle


@pytest.fixture(params=["real", "embedded"])
def stack(request: pytest.FixtureRequest) -> StackHandle:
    name = "real_stack" if request.param == "real" else "embedded_stack"
    handle: StackHandle = request.getfixturevalue(name)
    return handle


PLACEHOLDER_BUILD = """// The placeholder's build: what Vite's would leave in dist/, and a line in ../calls.log per run.
const fs = require("fs");
fs.appendFileSync("../calls.log", "build\\n");
fs.rmSync("dist", { recursive: true, force: true });
fs.mkdirSync("dist/assets", { recursive: true });
const version = fs.readFileSync("src/version.txt", "utf8").trim();
fs.writeFileSync("dist/index.html", `<!doctype html><html><head><title>Placeholder ${version}</title>` +
  `<script type="module" src="/assets/app-${version}.js"></script></head><body><div id="root"></div></body></html>`);
fs.writeFileSync(`dist/assets/app-${version}.js`, "document.getElementById('root').textContent = 'placeholder';\\n");
fs.writeFileSync("dist/persisted-documents.json", fs.readFileSync("src/documents.json"));
"""


def write_placeholder_web_app(directory: Path, documents: dict[str, str], version: str = "1") -> Path:
    """A stand-in for web/ (tests only; the real app is web-app's): package.json, a lockfile without
    dependencies and a `build` script writing dist/ like Vite's, persisted-documents.json included. Each
    `npm ci` (the postinstall script) and each build append a line to `directory/../calls.log`."""
    import hashlib
    import json

    (directory / "src").mkdir(parents=True, exist_ok=True)
    package = {"name": "kabinet-web-placeholder", "version": "0.0.0", "private": True,
               "scripts": {"postinstall": "node installed.cjs", "build": "node build.cjs"}}
    (directory / "package.json").write_text(json.dumps(package, indent=2))
    lock = {"name": "kabinet-web-placeholder", "version": "0.0.0", "lockfileVersion": 3, "requires": True,
            "packages": {"": {"name": "kabinet-web-placeholder", "version": "0.0.0"}}}
    (directory / "package-lock.json").write_text(json.dumps(lock, indent=2))
    (directory / "build.cjs").write_text(PLACEHOLDER_BUILD)
    (directory / "installed.cjs").write_text("require('fs').appendFileSync('../calls.log', 'ci\\n');\n")
    (directory / "src" / "version.txt").write_text(version)
    manifest = {hashlib.sha256(d.encode()).hexdigest(): d for d in documents.values()}
    (directory / "src" / "documents.json").write_text(json.dumps(manifest))
    return directory
