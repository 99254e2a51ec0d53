"""The gateway's subscription feed on the real broker through the TCP proxy: it notices when its queue or
its connection is gone, says so (readiness), and sets the queue up again by itself."""

from __future__ import annotations

import asyncio

from gateway.subscriptions.feed import RabbitFeed
from gateway.subscriptions.service import SubscriptionService
from kabinet.bus.rabbit import RabbitTransport
from kabinet.events import Envelope
from kabinet.testing.stack import eventually


async def test_feed_restores_a_lost_queue_and_reports_not_healthy_meanwhile(messaging, amqp_proxy, amqp_url):
    received: list[str] = []

    async def handler(envelope: Envelope) -> None:
        received.append(envelope.id)

    feed = RabbitFeed(messaging.model_copy(update={"amqp_url": amqp_proxy.url_for(amqp_url),
                                                   "connect_timeout_s": 1.0}),
                      "t", check_interval_s=0.2)
    service = SubscriptionService(feed)
    publisher = RabbitTransport(messaging, catalogue=())
    await publisher.connect()

    async def delivered() -> str:
        envelope = Envelope(type="kt.ping.happened", version=1, producer="kt", payload={"n": 1})
        await publisher.publish(envelope)

        async def arrived() -> bool:
            return envelope.id in received

        await eventually(arrived, timeout_s=15)
        return envelope.id

    async def healthy(expected: bool) -> None:
        async def check() -> bool:
            return service.healthy is expected

        await eventually(check, timeout_s=15)

    assert not service.healthy  # not consuming yet: not ready
    await feed.start(("kt.#",), handler)
    try:
        await healthy(True)
        await delivered()

        # The queue disappears under a live connection (as after a broker restart the client did not
        # restore it; exclusive, so only its own connection may delete it): the feed notices, reports
        # it, and declares and binds it again.
        assert feed._connection is not None
        channel = await feed._connection.channel()
        await channel.queue_delete(feed.queue_name)
        await channel.close()
        await eventually(lambda: _restarted(feed, 1), timeout_s=15)
        await healthy(True)
        await delivered()

        # The broker goes away: not healthy while it is away, consuming again when it is back.
        await amqp_proxy.down()
        await healthy(False)
        await asyncio.sleep(1.0)
        assert not service.healthy
        await amqp_proxy.up()
        await healthy(True)
        await delivered()
    finally:
        await feed.stop()
        await publisher.close()


async def _restarted(feed: RabbitFeed, times: int) -> bool:
    return feed.restarts >= times
