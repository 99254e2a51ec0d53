"""Identity's refreshSession on PostgreSQL: what 45-second access tokens cost (docs/security-signin.md).

    uv run python bench/refresh.py [--sessions 200] [--rounds 5] [--concurrency 16]

Each signed-in client trades its refresh token for new tokens about every 45 s. This signs in ``--sessions``
staff members once, then runs ``--rounds`` rounds in which every session refreshes (the use case the mutation
runs: token lookup, mark used, principal, new refresh row, JWT signing, commit), ``--concurrency`` at a time,
and prints refreshes per second and the latency percentiles. Sessions a core sustains = refreshes/s x 45.
Servers: BENCH_POSTGRES_URL or KABINET_TEST_POSTGRES_URL. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from identity.bootstrap import build_runtime
from identity.domain.model import StaffRole
from identity.service import org, sessions
from identity.service.auth import sign_in_with_password
from identity.settings import IdentitySettings
from kabinet.auth import Principal, Role
from kabinet.testing.scratch import bench_main, scratch_databases

PASSWORD = "bench-password-long"


async def run(args: argparse.Namespace) -> None:
    async with scratch_databases("bench_refresh") as urls:
        await bench(urls["bench_refresh"], args.sessions, args.rounds, args.concurrency)


async def bench(url: str, n_sessions: int, rounds: int, concurrency: int) -> None:
    runtime = build_runtime(IdentitySettings(database_url=url.replace("postgresql://", "postgresql+asyncpg://"),
                                             argon2_time_cost=1, argon2_memory_kib=1024))
    try:
        await runtime.migrate()
        owner = Principal(user_id="bench", role=Role.OWNER)
        tokens: list[str] = []
        for i in range(n_sessions):
            email = f"staff{i}@bench.test"
            async with runtime.uow() as uow:
                await org.create_staff(runtime.deps, uow, owner, org.CreateStaff(
                    StaffRole.OWNER, email, "B", "B", (), PASSWORD))
            async with runtime.uow() as uow:
                tokens.append((await sign_in_with_password(runtime.deps, uow, email, PASSWORD, "192.0.2.1"))
                              .refresh_token)
        sem = asyncio.Semaphore(concurrency)
        latencies: list[float] = []

        async def refresh(i: int) -> None:
            async with sem:
                started = time.perf_counter()
                async with runtime.uow() as uow:
                    tokens[i] = (await sessions.refresh_session(runtime.deps, uow, tokens[i])).refresh_token
                latencies.append(time.perf_counter() - started)

        began = time.perf_counter()
        for _ in range(rounds):
            await asyncio.gather(*(refresh(i) for i in range(n_sessions)))
        elapsed = time.perf_counter() - began
        done = n_sessions * rounds
        q = statistics.quantiles(latencies, n=100)
        print(f"refreshSession: {done} in {elapsed:.2f} s = {done / elapsed:.0f}/s at concurrency {concurrency} "
              f"(p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms); "
              f"at one refresh per 45 s that is ~{done / elapsed * 45:.0f} signed-in clients")
    finally:
        await runtime.engine.dispose()


if __name__ == "__main__":
    bench_main(run, sessions=200, rounds=5, concurrency=16)
