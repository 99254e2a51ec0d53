"""`kabinet run` (what `make run` starts): the embedded system with demo data, tried as a person would.

Starts the real command in a subprocess on a free port, waits for readiness, signs in as a demo guardian
with the development code and opens the family cabinet with several children through the gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def kabinet_run(tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    port = free_port()
    log = tmp_path / "run.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(BIN / "kabinet"), "run", "--port", str(port), "--data-dir", str(tmp_path / "var")],
                                stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client, asyncio.timeout(180):
            while True:
                assert proc.poll() is None, log.read_text()[-3000:]
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{base}/readyz")).status_code == 200 and "Demo logins" in log.read_text():
                        break
                await asyncio.sleep(0.3)
        yield base, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


async def test_make_run_serves_demo_family_cabinet(kabinet_run: tuple[str, Path]) -> None:
    base, log = kabinet_run
    banner = log.read_text()
    assert f"{base.replace('127.0.0.1', 'localhost')}/graphql" in banner
    assert "guardian:" in banner and "owner:" in banner

    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        console = await client.get("/graphql", headers={"Accept": "text/html"})
        assert console.status_code == 200 and "graphiql" in console.text.lower()

        requested = (await client.post("/graphql", json={
            "query": "mutation($p: String!) { requestSignInCode(phone: $p) { ok } }",
            "variables": {"p": "+79000000001"}})).json()
        assert requested["data"]["requestSignInCode"]["ok"] is True, requested
        signed = (await client.post("/graphql", json={
            "query": "mutation($p: String!, $c: String!) { signInWithCode(phone: $p, code: $c) "
                     "{ session { accessToken } errors { code } } }",
            "variables": {"p": "+79000000001", "c": "111111"}})).json()
        assert signed["data"]["signInWithCode"]["errors"] == [], signed
        token = signed["data"]["signInWithCode"]["session"]["accessToken"]

        cabinet = (await client.post("/graphql", headers={"Authorization": f"Bearer {token}"}, json={
            "query": "{ myFamily { students { firstName bookedLessonsCount } account { balance { amount } } } }",
        })).json()
        assert "errors" not in cabinet, cabinet
        students = cabinet["data"]["myFamily"]["students"]
        assert len(students) >= 2
        assert cabinet["data"]["myFamily"]["account"] is not None
