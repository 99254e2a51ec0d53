"""What a consumer made of events it applied without announcing: one event after its commit, for caches.

A consumer's answers change when it applies an event (a student joins a lesson: learning's homework lists). A cache
that drops the consumer's answers when the event is *published* (the gateway's entity cache) can be refilled by a read
that comes before the consumer *applied* it, and would keep that stale answer until its maximum age. So the inbox
publishes, in the transaction that applied them, one ``<service>.events.applied`` naming what the applied events
named - the same drop again, in this service's answers only, once they are true. Routes whose handlers announce
their changes with events of their own (``announces=True``) are left out.

Each service declares its own (its routing key): ``class EventsApplied(kabinet.events.applied.EventsApplied)`` with
``event_type = "<service>.events.applied"``, given to its ``Consumer(..., applied=EventsApplied)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Self

from pydantic import BaseModel, ConfigDict

from kabinet.events.contracts import EventContract
from kabinet.events.envelope import Envelope


class AppliedEvents(BaseModel):
    """Applied events of one routing key and payload shape, as much as a cache needs to drop what they dropped: the
    ids they change (all they name, for an envelope from before `changed_ids`), those they name only as context, and
    their payloads' fields. Events merge exactly: a cache's drop is a union over them."""

    model_config = ConfigDict(frozen=True)

    routing_key: str
    fields: list[str]
    changed: list[str]
    context: list[str]


class EventsApplied(EventContract):
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = (
        "The service applied events to its own tables, in the transaction that publishes this: per routing key, the "
        "ids they change and name as context (not their payloads). Caches drop the same again in this service's "
        "answers: a read between an event's publishing and its applying may have kept the answer from before "
        "(kabinet.events.applied).")

    applied: list[AppliedEvents]

    @classmethod
    def of(cls, envelopes: Sequence[Envelope]) -> Self:
        groups: dict[tuple[str, tuple[str, ...]], tuple[set[str], set[str]]] = {}
        for envelope in envelopes:
            changed, context = envelope.named_ids()
            key = (envelope.routing_key, tuple(sorted(envelope.payload)))
            into = groups.setdefault(key, (set(), set()))
            into[0].update(changed)
            into[1].update(context)
        return cls(applied=[AppliedEvents(routing_key=key, fields=list(fields), changed=sorted(changed),
                                          context=sorted(context))
                            for (key, fields), (changed, context) in groups.items()])
