"""The event hub: turns bus events into per-family / per-student notifications for the open subscriptions.

Routing keys the gateway listens to, and whom each one concerns:

- `billing.balance.changed.v1` -> the family (`balance` topic); `billing.lesson.charged.v1` -> each family it
  charged money (`balance`: the family's balance after its last charge in the event);
- `scheduling.lesson.scheduled.v1` -> each participant; `scheduling.participant.added|removed.v1` -> the
  student; `scheduling.lesson.rescheduled|cancelled.v1` -> the lesson's students (`lesson` topic);
- `learning.grade.posted.v1` -> the student (`grade`); `learning.homework.assigned.v1` -> the lesson's
  students (`homework`).

Events about a lesson that do not name its students are matched with the participants the hub has seen in
earlier scheduling events (bounded memory); for a lesson it has not seen, each listener asks the services
through the gateway, with its own token, whether its student is on that lesson (`LessonProbe`). Nothing is
sent to a subscription whose family or student the event does not concern.

Delivery is best effort: a listener that falls behind by more than `queue_size` events loses the oldest ones.
Every event routed to a family or student gets a sequence number and is kept for `replay_window_s` (at most
`replay_per_key` per topic and key): a client that reconnects within the window and names the last event it saw
(`listen(..., after=seq)`) gets the ones it missed first, then live events. Events published while this gateway
instance was down, or routed through a lesson probe (never seen by the hub), are not replayed (clients refetch).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
import uuid
from collections import OrderedDict, defaultdict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Gauge

from kabinet.events.envelope import Envelope

log = logging.getLogger(__name__)

BINDINGS = (
    "billing.balance.changed.v1",
    "billing.lesson.charged.v1",
    "scheduling.lesson.*.v1",
    "scheduling.participant.*.v1",
    "learning.grade.posted.v1",
    "learning.homework.assigned.v1",
)

SUBSCRIPTION_EVENTS = Counter(
    "gateway_subscription_events_total", "Bus events the subscription hub handled", ["routing_key"]
)
SUBSCRIPTION_DELIVERIES = Counter("gateway_subscription_deliveries_total", "Events sent to subscriptions", ["topic"])
OPEN_SUBSCRIPTIONS = Gauge("gateway_subscriptions_open", "Open subscriptions", ["topic"])

# Asks "is this listener's student on lesson X?" through the services (with the listener's token).
LessonProbe = Callable[[str, str], Awaitable[bool]]


@dataclass(frozen=True)
class HubEvent:
    topic: str
    key: str  # the family or student id
    payload: dict[str, Any]
    occurred_at: datetime
    seq: int = 0  # this hub's sequence number (0: not replayable)


@dataclass(eq=False)
class _Listener:
    topic: str
    key: str
    queue: asyncio.Queue[HubEvent]
    probe: LessonProbe | None = None
    probes: set[asyncio.Task[None]] = field(default_factory=set)

    def put(self, event: HubEvent) -> None:
        if self.queue.full():
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()  # drop the oldest: a slow client must not hold the hub up
            log.warning("subscription listener fell behind; dropped an event", extra={"topic": self.topic})
        self.queue.put_nowait(event)
        SUBSCRIPTION_DELIVERIES.labels(self.topic).inc()


class EventHub:
    def __init__(
        self,
        queue_size: int = 100,
        remembered_lessons: int = 10_000,
        *,
        replay_window_s: float = 120.0,
        replay_per_key: int = 50,
        replay_keys: int = 10_000,
    ) -> None:
        self.queue_size = queue_size
        self._listeners: dict[tuple[str, str], set[_Listener]] = defaultdict(set)
        self._lesson_students: OrderedDict[str, set[str]] = OrderedDict()
        self._remembered = remembered_lessons
        self.handled = 0
        # Event ids are `<instance>:<seq>`: a client reconnecting to another instance (or after a restart) names
        # an id this hub never issued, and gets live events only.
        self.instance = uuid.uuid4().hex[:12]
        self._seq = itertools.count(1)
        self._recent: OrderedDict[tuple[str, str], deque[tuple[float, HubEvent]]] = OrderedDict()
        self.replay_window_s = replay_window_s
        self.replay_per_key = replay_per_key
        self.replay_keys = replay_keys

    # --- listening ----------------------------------------------------------------------------------

    async def listen(
        self, topic: str, key: str, probe: LessonProbe | None = None, *, after: int | None = None
    ) -> AsyncIterator[HubEvent]:
        """Events for (topic, key) from now on; with `after` (the last sequence number the client saw), first the
        kept events after it."""
        listener = _Listener(topic, key, asyncio.Queue(self.queue_size), probe)
        self._listeners[(topic, key)].add(listener)
        OPEN_SUBSCRIPTIONS.labels(topic).inc()
        try:
            seen = 0
            if after is not None:
                for event in self.missed(topic, key, after):
                    seen = event.seq
                    yield event
            while True:
                event = await listener.queue.get()
                if event.seq and event.seq <= seen:
                    continue  # replayed already
                yield event
        finally:
            self._listeners[(topic, key)].discard(listener)
            if not self._listeners[(topic, key)]:
                del self._listeners[(topic, key)]
            for task in listener.probes:
                task.cancel()
            OPEN_SUBSCRIPTIONS.labels(topic).dec()

    def missed(self, topic: str, key: str, after: int) -> list[HubEvent]:
        horizon = time.monotonic() - self.replay_window_s
        kept = self._recent.get((topic, key), ())
        return [event for at, event in kept if event.seq > after and at >= horizon]

    def event_id(self, seq: int) -> str:
        return f"{self.instance}:{seq}"

    def parse_event_id(self, event_id: object) -> int | None:
        """The sequence number in an id this hub issued; None for anything else."""
        if not isinstance(event_id, str):
            return None
        instance, _, seq = event_id.partition(":")
        return int(seq) if instance == self.instance and seq.isdigit() else None

    def _keep(self, event: HubEvent) -> None:
        now = time.monotonic()
        kept = self._recent.get((event.topic, event.key))
        if kept is None:
            kept = self._recent[(event.topic, event.key)] = deque(maxlen=self.replay_per_key)
        kept.append((now, event))
        self._recent.move_to_end((event.topic, event.key))
        horizon = now - self.replay_window_s
        while kept and kept[0][0] < horizon:
            kept.popleft()
        # Bounded: the keys that had no event for longest go first.
        while len(self._recent) > self.replay_keys:
            self._recent.popitem(last=False)

    def listener_count(self, topic: str | None = None) -> int:
        return sum(len(ls) for (t, _), ls in self._listeners.items() if topic is None or t == topic)

    # --- feeding ------------------------------------------------------------------------------------

    async def handle(self, envelope: Envelope) -> None:
        """The bus handler: never raises (a bad event is logged and dropped, never redelivered)."""
        try:
            self._handle(envelope)
        except Exception:
            log.exception("subscription hub could not handle an event", extra={"event_id": envelope.id})

    def _handle(self, envelope: Envelope) -> None:
        key = envelope.routing_key
        SUBSCRIPTION_EVENTS.labels(key).inc()
        self.handled += 1
        p = envelope.payload
        at = envelope.occurred_at if envelope.occurred_at.tzinfo else envelope.occurred_at.replace(tzinfo=UTC)
        if key == "billing.balance.changed.v1":
            self._publish("balance", str(p.get("family_id", "")), p, at)
        elif key == "billing.lesson.charged.v1":
            # Billing publishes no balance.changed for a lesson charge: each charge says the balance after it.
            balances = {str(c.get("family_id", "")): c["balance"] for c in p.get("charges") or ()
                        if isinstance(c, dict) and c.get("balance")}
            for family_id, balance in balances.items():
                self._publish("balance", family_id, {"family_id": family_id, "balance": balance}, at)
        elif key == "scheduling.lesson.scheduled.v1":
            lesson_id = str(p.get("lesson_id", ""))
            students = [str(x.get("student_id")) for x in p.get("participants") or () if isinstance(x, dict)]
            self._remember(lesson_id, students, replace=True)
            for student in students:
                self._publish("lesson", student, {"kind": "scheduled", "lesson_id": lesson_id}, at)
        elif key in ("scheduling.participant.added.v1", "scheduling.participant.removed.v1"):
            lesson_id, student = str(p.get("lesson_id", "")), str(p.get("student_id", ""))
            added = key == "scheduling.participant.added.v1"
            known = self._lesson_students.get(lesson_id)
            if added:
                self._remember(lesson_id, [student])
            elif known is not None:
                known.discard(student)
            kind = "participant_added" if added else "participant_removed"
            self._publish("lesson", student, {"kind": kind, "lesson_id": lesson_id}, at)
        elif key in ("scheduling.lesson.rescheduled.v1", "scheduling.lesson.cancelled.v1"):
            kind = key.split(".")[2]
            self._publish_for_lesson("lesson", str(p.get("lesson_id", "")), {**p, "kind": kind}, at)
        elif key == "learning.grade.posted.v1":
            self._publish("grade", str(p.get("student_id", "")), p, at)
        elif key == "learning.homework.assigned.v1":
            self._publish_for_lesson("homework", str(p.get("lesson_id", "")), p, at)

    def _publish(self, topic: str, key: str, payload: dict[str, Any], at: datetime) -> None:
        event = HubEvent(topic, key, payload, at, next(self._seq))
        self._keep(event)
        for listener in list(self._listeners.get((topic, key), ())):
            listener.put(event)

    def _publish_for_lesson(self, topic: str, lesson_id: str, payload: dict[str, Any], at: datetime) -> None:
        known = self._lesson_students.get(lesson_id)
        if known is not None:
            for student in list(known):
                self._publish(topic, student, payload, at)
            return
        # A lesson the hub has not seen: each listener of the topic asks whether its student is on it.
        for (t, student), listeners in list(self._listeners.items()):
            if t != topic:
                continue
            for listener in list(listeners):
                if listener.probe is None:
                    continue
                task = asyncio.get_running_loop().create_task(
                    self._probe_then_put(listener, lesson_id, HubEvent(topic, student, payload, at))
                )
                listener.probes.add(task)
                task.add_done_callback(listener.probes.discard)

    @staticmethod
    async def _probe_then_put(listener: _Listener, lesson_id: str, event: HubEvent) -> None:
        assert listener.probe is not None
        try:
            on_lesson = await listener.probe(lesson_id, listener.key)
        except Exception:
            log.warning("lesson probe failed", exc_info=True)
            return
        if on_lesson:
            listener.put(event)

    def _remember(self, lesson_id: str, students: list[str], *, replace: bool = False) -> None:
        if not lesson_id:
            return
        known = self._lesson_students.get(lesson_id)
        if known is None or replace:
            known = self._lesson_students[lesson_id] = set()
        known.update(s for s in students if s)
        self._lesson_students.move_to_end(lesson_id)
        while len(self._lesson_students) > self._remembered:
            self._lesson_students.popitem(last=False)
