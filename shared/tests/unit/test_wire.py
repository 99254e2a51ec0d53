"""The wire format of batch messages (kabinet.bus.wire): how envelopes are packed and read back."""

from __future__ import annotations

import orjson
import pytest

from kabinet.bus.wire import BATCH_CONTENT_TYPE, decode, encode_batch, envelopes, packed
from kabinet.events import Envelope
from kabinet.events.errors import MalformedEvent


def env(n: int, etype: str = "kt.ping.happened") -> Envelope:
    return Envelope(type=etype, version=1, producer="kt", payload={"n": n})


def test_consecutive_envelopes_of_one_key_are_packed_up_to_the_count() -> None:
    bodies = [(e.routing_key, e.to_json()) for e in [env(n) for n in range(7)]]
    assert packed(bodies, 3, 1 << 20) == [[0, 1, 2], [3, 4, 5], [6]]
    assert packed(bodies, 1, 1 << 20) == [[i] for i in range(7)]  # 1: one event a message, as before


def test_a_change_of_routing_key_starts_a_new_message_and_order_is_kept() -> None:
    es = [env(0), env(1), env(2, "kt.pong.happened"), env(3)]
    assert packed([(e.routing_key, e.to_json()) for e in es], 100, 1 << 20) == [[0, 1], [2], [3]]


def test_the_byte_bound_holds_and_an_envelope_larger_than_it_goes_alone() -> None:
    es = [env(n) for n in range(10)]
    bodies = [(e.routing_key, e.to_json()) for e in es]
    limit = 3 * len(bodies[0][1]) + 4  # room for three and the brackets and commas
    groups = packed(bodies, 100, limit)
    assert [len(g) for g in groups] == [3, 3, 3, 1]
    assert all(len(encode_batch([bodies[i][1] for i in g])) <= limit for g in groups)
    assert packed(bodies[:2], 100, 10) == [[0], [1]]


def test_a_batch_reads_back_as_its_envelopes_and_a_single_message_as_one() -> None:
    es = [env(n) for n in range(3)]
    body = encode_batch([e.to_json() for e in es])
    assert [e.id for e in envelopes(body, BATCH_CONTENT_TYPE)] == [e.id for e in es]
    assert [e.id for e in envelopes(es[0].to_json(), "application/json")] == [es[0].id]
    assert [e.id for e in envelopes(es[0].to_json(), None)] == [es[0].id]  # no content type: as before


def test_a_bad_element_is_marked_alone_and_a_bad_batch_raises() -> None:
    good = env(1)
    items = decode(encode_batch([good.to_json(), b'{"id":"x"}', b"17"]), BATCH_CONTENT_TYPE)
    assert [i.envelope.id if i.envelope else None for i in items] == [good.id, None, None]
    assert orjson.loads(items[1].body) == {"id": "x"} and items[1].error is not None
    for body in (b"not json", b"{}", b"[]"):
        with pytest.raises(MalformedEvent):
            decode(body, BATCH_CONTENT_TYPE)
    with pytest.raises(MalformedEvent):
        decode(b"[1]", "application/json")  # a single-event message that is not an envelope


def test_a_consumer_prefetches_events_not_batch_messages() -> None:
    from kabinet.bus.rabbit import consumer_prefetch
    from kabinet.settings import MessagingSettings

    assert consumer_prefetch(MessagingSettings(prefetch=1000, events_per_message=1)) == 1000  # as before
    assert consumer_prefetch(MessagingSettings(prefetch=1000, events_per_message=100)) == 50  # at least 50
    assert consumer_prefetch(MessagingSettings(prefetch=10_000, events_per_message=100)) == 100
    assert consumer_prefetch(MessagingSettings(prefetch=3, events_per_message=100)) == 3  # never above PREFETCH
