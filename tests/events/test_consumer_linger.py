"""A subscription's own linger (kabinet.bus.base.Subscription.linger_s) on the real broker: a consumer whose effects
nobody waits on (identity's notifications) takes events that arrive a few milliseconds apart in one batch - one
transaction - where the default linger hands each over alone."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from kabinet.bus.base import Subscription
from kabinet.bus.rabbit import RabbitTransport
from kabinet.events import Envelope
from kabinet.settings import MessagingSettings
from kabinet.testing.stack import eventually

EVENTS = 10


async def _batches(messaging: MessagingSettings, consumer: str, linger_s: float | None) -> list[int]:
    """Publish EVENTS single-event messages 20 ms apart; the sizes of the batches the consumer handled them in."""
    sizes: list[int] = []

    async def one(envelope: Envelope) -> None:
        sizes.append(1)

    async def many(envelopes: Sequence[Envelope]) -> None:
        sizes.append(len(envelopes))

    settings = messaging.model_copy(update={"events_per_message": 1})
    transport = RabbitTransport(settings, catalogue=())
    await transport.connect()
    try:
        await transport.subscribe(Subscription(consumer, ("kt.linger.#",), one, many, linger_s=linger_s))
        for n in range(EVENTS):
            await transport.publish(Envelope(type="kt.linger.happened", version=1, producer="kt", payload={"n": n}))
            await asyncio.sleep(0.02)

        async def all_handled() -> bool:
            return sum(sizes) == EVENTS

        await eventually(all_handled, timeout_s=15)
    finally:
        await transport.close()
    return sizes


async def test_a_subscriptions_linger_gathers_a_stream_into_few_batches(messaging):
    default = await _batches(messaging, "kt-linger-default", None)
    lingering = await _batches(messaging, "kt-linger-long", 0.3)
    assert len(default) > EVENTS // 2, default  # 5 ms: each event alone
    assert len(lingering) <= 2, lingering  # one wait of 0.3 s takes the rest of the stream
