"""Child process of the killed-consumer test: consume the test service's events and die (SIGKILL) mid-batch.

``python consume_then_die.py DATABASE_URL DIE_AT``, the broker settings from the environment (AMQP_URL,
EVENTS_EXCHANGE, QUEUE_PREFIX, BATCH_MAX). The handler kills the process just before it writes the effect of
``Ping(n=DIE_AT)``: the batch (transaction) it is in is never committed, earlier ones are, and no delivery of the
batch message it came in is acked.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import kt_service as kt

from kabinet.bus.rabbit import RabbitTransport
from kabinet.runtime import ServiceRuntime
from kabinet.settings import MessagingSettings, ServiceSettings


async def main(db_url: str, die_at: int) -> None:
    messaging = MessagingSettings()
    settings = ServiceSettings(service_name=kt.NAME, database_url=db_url, messaging=messaging)

    def before_write(n: int) -> None:
        if n == die_at:
            os.kill(os.getpid(), signal.SIGKILL)

    runtime = ServiceRuntime(kt.spec(kt.Behaviour(before_write=before_write)), settings,
                             transport=RabbitTransport(messaging, catalogue=()))
    await runtime.start()
    await asyncio.sleep(60)
    raise SystemExit(f"still alive: Ping(n={die_at}) never came")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
