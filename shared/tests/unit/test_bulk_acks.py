"""The consumer's bulk acks: one multiple ack per committed batch, never past a delivery that is still open."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, cast

from kabinet.bus.rabbit import _Acks


@dataclass
class FakeChannel:
    is_closed: bool = False
    acks: list[tuple[int, bool]] = field(default_factory=list)

    async def basic_ack(self, delivery_tag: int, multiple: bool = False) -> None:
        if self.is_closed:
            raise RuntimeError("channel closed")
        self.acks.append((delivery_tag, multiple))


@dataclass
class FakeMessage:
    channel: FakeChannel
    delivery_tag: int


def acked(channel: FakeChannel) -> set[int]:
    """The delivery tags the broker would consider acked after these frames."""
    out: set[int] = set()
    for tag, multiple in channel.acks:
        out |= set(range(1, tag + 1)) if multiple else {tag}
    return out


def deliver(acks: _Acks, channel: FakeChannel, tags: range) -> list[Any]:
    messages = [FakeMessage(channel, t) for t in tags]
    for m in messages:
        acks.delivered(cast(Any, m))
    return messages


async def test_a_batch_in_order_is_acked_with_one_frame() -> None:
    ch, acks = FakeChannel(), _Acks("t", 1.0)
    batch = deliver(acks, ch, range(1, 201))
    await acks.ack(batch)
    assert ch.acks == [(200, True)]


async def test_a_later_batch_committed_first_waits_and_never_covers_the_open_one() -> None:
    ch, acks = FakeChannel(), _Acks("t", 1.0)
    first, second = deliver(acks, ch, range(1, 11)), deliver(acks, ch, range(11, 21))
    await acks.ack(second)
    assert acked(ch) == set()  # tags 1-10 are open: a multiple ack for 20 would ack them too
    await acks.ack(first)
    assert ch.acks == [(20, True)] and acked(ch) == set(range(1, 21))
    acks.stop()


async def test_a_delivery_waiting_for_its_retry_is_never_acked_and_the_others_are_acked_one_by_one() -> None:
    ch, acks = FakeChannel(), _Acks("t", 1.0)
    acks._LINGER_S = 0.01
    failing, *rest = deliver(acks, ch, range(1, 6))
    await acks.ack(rest)
    assert acked(ch) == set()
    await asyncio.sleep(0.05)  # the failing one is still open after the linger: the others go one by one
    assert acked(ch) == {2, 3, 4, 5} and all(not multiple for _, multiple in ch.acks)
    acks.settled(failing)  # its nack was queued
    more = deliver(acks, ch, range(6, 9))
    await acks.ack(more)
    assert ch.acks[-1] == (8, True) and 1 in acked(ch)  # (1 was nacked before: the broker skips it)
    acks.stop()


async def test_after_a_reconnect_the_old_channels_deliveries_are_acked_on_their_own() -> None:
    old, new, acks = FakeChannel(), FakeChannel(), _Acks("t", 1.0)
    held = deliver(acks, old, range(1, 4))
    old.is_closed = True
    fresh = deliver(acks, new, range(1, 3))  # the new channel's tags start again at 1
    await acks.ack(held)  # fails quietly: the broker redelivers them, the inbox drops them
    await acks.ack(fresh)
    assert old.acks == [] and new.acks == [(2, True)]


async def test_at_shutdown_what_committed_is_acked_and_what_is_open_is_not() -> None:
    ch, acks = FakeChannel(), _Acks("t", 1.0)
    _still_open, *committed = deliver(acks, ch, range(1, 4))
    await acks.ack(committed)
    acks.stop()
    await acks.send_held()
    assert acked(ch) == {2, 3}
