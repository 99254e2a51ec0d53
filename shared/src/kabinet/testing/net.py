"""Loopback helpers for tests and benchmarks that start real servers."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
from typing import Any

import httpx


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    """Wait until a server process we started answers 200 at ``url``; fail at once if it exits."""
    async with httpx.AsyncClient() as client, asyncio.timeout(timeout_s):
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{url}: process exited with {proc.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url)).status_code == 200:
                    return
            await asyncio.sleep(0.2)


def stop_processes(*procs: subprocess.Popen[Any], timeout_s: float = 15) -> None:
    """Terminate server processes we started, wait for each up to ``timeout_s``, and kill the ones that stay."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
