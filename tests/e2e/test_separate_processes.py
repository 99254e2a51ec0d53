"""End to end with every service and the gateway as a separate OS process on PostgreSQL + RabbitMQ.

This is how production runs them (the same console scripts the Docker images start): each service
migrates its own database with `kabinet-<service> migrate`, serves on its own port, verifies tokens
with identity's JWKS fetched over HTTP, and the gateway composes them from their `_service { sdl }`.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from kabinet.auth import Principal, Role, SigningKey
from kabinet.bus import rabbit
from kabinet.settings import MessagingSettings
from kabinet.testing.net import free_port, stop_processes, wait_ready
from kabinet.testing.stack import token_for
from kabinet_stack.services import available_services

B1 = "00000000-0000-4000-8000-0000000000b1"

BIN = Path(sys.executable).parent



@pytest.fixture
async def processes(database_factory: Callable[[str], Awaitable[str]], messaging: MessagingSettings,
                    tmp_path: Path) -> AsyncIterator[tuple[str, SigningKey]]:
    key = SigningKey.generate()
    names = [m.name for m in available_services()]
    ports = {name: free_port() for name in names}
    base_env = {**os.environ, "AMQP_URL": str(messaging.amqp_url), "EVENTS_EXCHANGE": messaging.events_exchange,
                "QUEUE_PREFIX": messaging.queue_prefix, "LOG_LEVEL": "WARNING", "KABINET_DATA_DIR": str(tmp_path),
                "JWKS_URL": f"http://127.0.0.1:{ports['identity']}/.well-known/jwks.json",
                "BILLING_PAYMENT_WEBHOOK_SECRET": secrets.token_urlsafe(32)}  # `serve` refuses to start without
    procs: list[subprocess.Popen[bytes]] = []
    logs = tmp_path / "logs"
    logs.mkdir()
    try:
        for name in names:
            env = {**base_env, f"{name.upper()}_DATABASE_URL": await database_factory(name)}
            if name == "identity":
                env["IDENTITY_JWT_PRIVATE_KEY"] = key.to_pem()
                env["IDENTITY_DEV_MAILBOX"] = "true"  # no SMS provider or SMTP here: else identity is not ready
            subprocess.run([str(BIN / f"kabinet-{name}"), "migrate"], env=env, check=True, timeout=120)
            out = open(logs / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
            procs.append(subprocess.Popen([str(BIN / f"kabinet-{name}"), "serve", "--host", "127.0.0.1",
                                           "--port", str(ports[name])], env=env, stdout=out, stderr=out))
            # Queues the subprocesses declare, so the messaging fixture deletes them after the test.
            rabbit.DECLARED_QUEUES.update({f"{messaging.queue_prefix}{name}", f"{messaging.queue_prefix}{name}.dlq"})
        rabbit.DECLARED_QUEUES.add(f"{messaging.queue_prefix}{messaging.events_exchange}.archive")
        rabbit.DECLARED_EXCHANGES.update({messaging.events_exchange, f"{messaging.events_exchange}.dlx"})
        for name, proc in zip(names, procs, strict=True):
            await wait_ready(f"http://127.0.0.1:{ports[name]}/readyz", proc)
        gw_port = free_port()
        gw_env = {**base_env, "GATEWAY_HOST": "127.0.0.1", "GATEWAY_PORT": str(gw_port), "GATEWAY_SUBGRAPHS": ",".join(
            f"{n}=http://127.0.0.1:{ports[n]}/graphql" for n in names)}
        gw_out = open(logs / "gateway.log", "wb")  # noqa: SIM115
        gw = subprocess.Popen([str(BIN / "kabinet-gateway"), "serve"], env=gw_env, stdout=gw_out, stderr=gw_out)
        procs.append(gw)
        await wait_ready(f"http://127.0.0.1:{gw_port}/readyz", gw)
        yield f"http://127.0.0.1:{gw_port}/graphql", key
    finally:
        stop_processes(*procs, timeout_s=15)


async def test_family_cabinet_across_processes(processes: tuple[str, SigningKey]) -> None:
    url, key = processes
    admin = token_for(key, Principal(user_id="a", role=Role.BRANCH_ADMIN, branch_ids=frozenset({B1})))
    async with httpx.AsyncClient(timeout=30) as client:
        reg = await client.post(url, headers={"Authorization": f"Bearer {admin}"}, json={
            "query": "mutation($i: RegisterStudentInput!) { registerStudent(input: $i) { student { familyId } "
                     "errors { code } } }",
            "variables": {"i": {"guardianPhone": "+79001234567", "firstName": "Lena", "lastName": "Orlova",
                                "birthDate": "2014-01-02", "branchId": B1}}})
        assert reg.status_code == 200, reg.text
        family_id = reg.json()["data"]["registerStudent"]["student"]["familyId"]
        guardian = token_for(key, Principal(user_id="g", role=Role.GUARDIAN, family_id=family_id))
        query = "query($id: ID!) { family(id: $id) { students { firstName } account { balance { amount } } } }"
        async with asyncio.timeout(30):
            while True:
                got = (await client.post(url, headers={"Authorization": f"Bearer {guardian}"},
                                         json={"query": query, "variables": {"id": family_id}})).json()
                assert "errors" not in got, got
                if got["data"]["family"]["account"] is not None:
                    break
                await asyncio.sleep(0.1)
        family = got["data"]["family"]
        assert family == {"students": [{"firstName": "Lena"}], "account": {"balance": {"amount": "0.00"}}}
