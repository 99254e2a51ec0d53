"""Child process of the crash test: commit events to the outbox, then die before the relay publishes.

``python commit_then_die.py DATABASE_URL COUNT``. It builds the test service's real runtime and unit of
work; the relay's wake-up (called right after the commit) is replaced by SIGKILL, so the process dies
between the database commit and the publish, with no chance to clean up.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import kt_service as kt

from kabinet.runtime import ServiceRuntime
from kabinet.settings import MessagingSettings, ServiceSettings


async def main(db_url: str, count: int) -> None:
    settings = ServiceSettings(service_name=kt.NAME, database_url=db_url,
                               messaging=MessagingSettings(amqp_url="amqp://guest:guest@127.0.0.1:1/"))
    runtime = ServiceRuntime(kt.spec(None), settings)
    object.__setattr__(runtime.relay, "wake", lambda: os.kill(os.getpid(), signal.SIGKILL))
    async with runtime.uow() as uow:
        for n in range(count):
            uow.publish(kt.Ping(n=n))
        await uow.commit()
    raise SystemExit("still alive after commit: the kill did not happen")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
