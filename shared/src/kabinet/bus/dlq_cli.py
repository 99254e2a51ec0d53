"""``kabinet-dlq``: list and replay a consumer's dead-lettered messages.

    kabinet-dlq [--amqp-url URL] [--exchange NAME] [--queue-prefix P] list [CONSUMER] [--limit N] [--json]
    kabinet-dlq [...] replay CONSUMER [--id MESSAGE_ID]

``list`` peeks (messages stay in the dead-letter queue); ``replay`` sends them back to the consumer's own
queue only (not to the other subscribers of the event), where the inbox still drops any it had applied.
Defaults come from the environment: AMQP_URL, EVENTS_EXCHANGE, QUEUE_PREFIX.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

from kabinet.bus.base import DeadLetter
from kabinet.bus.rabbit import RabbitTransport
from kabinet.settings import MessagingSettings

# Consumers (one queue each) listed when none is named; an absent queue is skipped, never created.
KNOWN = ("identity", "scheduling", "billing", "learning")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kabinet-dlq", description="List and replay dead-lettered events.")
    p.add_argument("--amqp-url", default=os.environ.get("AMQP_URL"), help="default: $AMQP_URL")
    p.add_argument("--exchange", default=os.environ.get("EVENTS_EXCHANGE", "kabinet.events"),
                   help="events exchange (default: $EVENTS_EXCHANGE or kabinet.events)")
    p.add_argument("--queue-prefix", default=os.environ.get("QUEUE_PREFIX", ""))
    sub = p.add_subparsers(dest="command", required=True)
    ls = sub.add_parser("list", help="show dead-lettered messages of a consumer (they stay there)")
    ls.add_argument("consumer", nargs="?", help="default: every known service (" + ", ".join(KNOWN) + ")")
    ls.add_argument("--limit", type=int, default=100)
    ls.add_argument("--json", action="store_true", help="one JSON object per line")
    rp = sub.add_parser("replay", help="send dead-lettered messages back to the consumer's queue")
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


async def run(args: argparse.Namespace) -> int:
    settings = MessagingSettings(amqp_url=args.amqp_url, events_exchange=args.exchange,
                                 queue_prefix=args.queue_prefix)
    transport = RabbitTransport(settings, catalogue=())  # an operator tool declares nothing it does not need
    await transport.connect()
    try:
        consumer = args.consumer or os.environ.get("KABINET_DLQ_CONSUMER")
        if args.command == "list":
            if not args.json:
                print("consumer\tid\trouting_key\treason\tbody")
            for name in [consumer] if consumer else list(KNOWN):
                dead = await transport.dead_letters(name, limit=args.limit)
                for d in dead:
                    print(_line(d, args.json))
                print(f"{len(dead)} dead-lettered message(s) for {name}", file=sys.stderr)
            return 0
        if not consumer:
            print("replay needs a CONSUMER (or KABINET_DLQ_CONSUMER)", file=sys.stderr)
            return 2
        count = await transport.replay_dead_letters(consumer, args.message_id)
        print(f"replayed {count} message(s) to {transport.topology.queue(consumer)}")
        return 0 if count or args.message_id is None else 1
    finally:
        await transport.close()


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if not args.amqp_url:
        _parser().error("no broker: pass --amqp-url or set AMQP_URL")
    raise SystemExit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
