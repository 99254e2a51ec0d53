"""``kabinet-dlq``: list and replay a consumer's dead-lettered messages, in either mode.

    kabinet-dlq [--amqp-url URL] [--exchange NAME] [--queue-prefix P] list [CONSUMER] [--limit N] [--json]
    kabinet-dlq [--data-dir DIR] list [CONSUMER] [--limit N] [--json]
    kabinet-dlq [...] replay CONSUMER [--id MESSAGE_ID]

With a broker (``--amqp-url``/AMQP_URL) the dead letters are in RabbitMQ's ``<queue>.dlq``; without one (the
embedded mode, ``kabinet run``) in each service's own database under ``--data-dir``/KABINET_DATA_DIR
(kabinet.dead_letters). ``list`` peeks (messages stay dead-lettered); ``replay`` sends them back to the consumer
only (not to the other subscribers of the event) - on RabbitMQ to its queue, in the embedded mode to the running
``kabinet run`` (or its next start), which delivers them within a second - and the inbox still drops any it had
applied. Other defaults come from the environment: EVENTS_EXCHANGE, QUEUE_PREFIX.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from sqlalchemy import MetaData, inspect

from kabinet.bus.base import DeadLetter, DeadLetterStore, Transport
from kabinet.bus.memory import InProcessTransport
from kabinet.bus.rabbit import RabbitTransport
from kabinet.db.engine import create_engine
from kabinet.db.messaging_tables import DEAD_LETTERS, add_dead_letter_table
from kabinet.dead_letters import SqlDeadLetters
from kabinet.settings import MessagingSettings, embedded_database

# The transport, and where a replay sends a consumer's messages (for the operator).
_Bus = tuple[Transport, Callable[[str], str]]

# Consumers (one queue each) listed when none is named; an absent queue (or database) is skipped, never created.
KNOWN = ("identity", "scheduling", "billing", "learning")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kabinet-dlq", description="List and replay dead-lettered events.")
    p.add_argument("--amqp-url", default=os.environ.get("AMQP_URL"),
                   help="default: $AMQP_URL; none: the embedded mode's databases (--data-dir)")
    p.add_argument("--exchange", default=os.environ.get("EVENTS_EXCHANGE", "kabinet.events"),
                   help="events exchange (default: $EVENTS_EXCHANGE or kabinet.events)")
    p.add_argument("--queue-prefix", default=os.environ.get("QUEUE_PREFIX", ""))
    p.add_argument("--data-dir", type=Path, default=Path(os.environ.get("KABINET_DATA_DIR", "var")),
                   help="embedded mode (no broker): `kabinet run`'s data directory (default: $KABINET_DATA_DIR or var)")
    sub = p.add_subparsers(dest="command", required=True)
    ls = sub.add_parser("list", help="show dead-lettered messages of a consumer (they stay there)")
    ls.add_argument("consumer", nargs="?", help="default: every known service (" + ", ".join(KNOWN) + ")")
    ls.add_argument("--limit", type=int, default=100)
    ls.add_argument("--json", action="store_true", help="one JSON object per line")
    rp = sub.add_parser("replay", help="send dead-lettered messages back to the consumer")
    rp.add_argument("consumer", nargs="?", help="default: $KABINET_DLQ_CONSUMER (required otherwise)")
    rp.add_argument("--id", dest="message_id", help="only this message id (default: all)")
    return p


def _line(d: DeadLetter, as_json: bool) -> str:
    body = d.body.decode("utf-8", errors="replace")
    if as_json:
        return json.dumps({"consumer": d.consumer, "id": d.message_id, "routing_key": d.routing_key,
                           "reason": d.reason, "body": body})
    preview = body if len(body) <= 200 else body[:197] + "..."
    return f"{d.consumer}\t{d.message_id or '-'}\t{d.routing_key or '-'}\t{d.reason or '-'}\t{preview}"


@contextlib.asynccontextmanager
async def _broker(args: argparse.Namespace) -> AsyncIterator[_Bus]:
    settings = MessagingSettings(amqp_url=args.amqp_url, events_exchange=args.exchange,
                                 queue_prefix=args.queue_prefix)
    transport = RabbitTransport(settings, catalogue=())  # an operator tool declares nothing it does not need
    await transport.connect()
    try:
        yield transport, transport.topology.queue
    finally:
        await transport.close()


@contextlib.asynccontextmanager
async def _embedded(args: argparse.Namespace, consumers: list[str]) -> AsyncIterator[_Bus]:
    """The in-process bus over the consumers' own databases: it lists their dead letters and asks for replays
    there; the bus of the running `kabinet run` (or of its next start) delivers them."""
    engines = []
    stores: dict[str, DeadLetterStore] = {}
    try:
        for name in consumers:
            path = embedded_database(args.data_dir, name)
            if not path.exists():
                continue  # never started (or not in this directory): nothing to create
            engine = create_engine(f"sqlite+aiosqlite:///{path}")
            engines.append(engine)
            async with engine.connect() as conn:
                if not await conn.run_sync(lambda c: inspect(c).has_table(DEAD_LETTERS)):
                    continue  # migrated by the next start; no dead letter kept before that
            stores[name] = SqlDeadLetters(engine, add_dead_letter_table(MetaData()), name)

        def target(name: str) -> str:
            return f"{name}: the running `kabinet run` delivers them within a second (or its next start)"

        yield InProcessTransport(dead_letters=stores), target
    finally:
        for engine in engines:
            await engine.dispose()


async def run(args: argparse.Namespace) -> int:
    consumer = args.consumer or os.environ.get("KABINET_DLQ_CONSUMER")
    names = [consumer] if consumer else list(KNOWN)
    bus = _broker(args) if args.amqp_url else _embedded(args, names)
    async with bus as (transport, target):
        if args.command == "list":
            if not args.json:
                print("consumer\tid\trouting_key\treason\tbody")
            for name in names:
                dead = await transport.dead_letters(name, limit=args.limit)
                for d in dead:
                    print(_line(d, args.json))
                print(f"{len(dead)} dead-lettered message(s) for {name}", file=sys.stderr)
            return 0
        if not consumer:
            print("replay needs a CONSUMER (or KABINET_DLQ_CONSUMER)", file=sys.stderr)
            return 2
        count = await transport.replay_dead_letters(consumer, args.message_id)
        print(f"replayed {count} message(s) to {target(consumer)}")
        return 0 if count or args.message_id is None else 1


def main(argv: list[str] | None = None) -> None:
    raise SystemExit(asyncio.run(run(_parser().parse_args(argv))))


if __name__ == "__main__":
    main()
