"""The entity cache: subgraph answers kept true by events (see docs/performance.md, "The entity cache").

What is cached: the answer to each `_entities` representation (per entity key, selection set and the
variables the selection uses) and each root fetch of a query, for one *scope* - the principal the subgraphs
see (every claim they build their `Principal` from: user, role, family, students, branches, staff). Two
callers share an entry only when their tokens carry the same claims, i.e. when the subgraphs cannot tell them
apart; anonymous callers share the anonymous scope. Mutations, subscriptions and requests whose token the
gateway does not verify are never cached (the web app's session cookie goes with mutations only: a query's
answers depend on its scope alone).

Every entry carries tags: the ids (UUIDs) in its representation, variables and answer, the ids of the objects
above it in the response, the scope's family and students, the scope itself (`p:<scope>`), the names of its
top-level fields (`f:<name>`), and the ids in its variables also as `a:<id>` (the answer is keyed by them). An
event drops the ids it changes - all it names but its contract's context fields (`Envelope.changed_ids`) - and
`a:<id>` of the ids it names only as context; the events that change a list no id in it names (a new or moved
lesson) drop the field. A mutation drops its caller's scope and the ids in its answer
and variables before the gateway answers, the caller's own branches only as `a:<id>` (see `mutation_tags`).
Tags are per subgraph (`<subgraph>|<tag>`, see `subgraph_tags`): an event drops its tags in the subgraphs of its
producer and its consumers only (`EVENT_CHANGES`), a mutation in the subgraphs its root fields went to - a
service's answers change only with its own tables, which only its own writes and the events it consumes change.
A payment drops the family's billing answers; its lessons and homework stay cached (identity records a notification
from it, read by `myNotifications`, which identity declares never kept: `@cacheControl(maxAge: 0)` in its SDL, read at
composition - see `FetchNode.never_kept`).
A maximum age bounds what a lost invalidation can leave; while the event feed is down the cache is bypassed,
and an in-process cache is emptied when the feed comes back.

An answer fetched while one of its tags was dropped is not stored (the drop may be newer than the answer), and
one whose write a drop overtook (Redis) is dropped again.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from prometheus_client import Counter

from gateway import jsoncodec
from kabinet.auth import Principal
from kabinet.events.envelope import Envelope
from kabinet.events.ids import ids_in as ids_in
from kabinet.events.ids import is_uuid as is_uuid

log = logging.getLogger(__name__)

CACHE_LOOKUPS = Counter("gateway_entity_cache_lookups_total", "Entity cache lookups", ["result"])
CACHE_INVALIDATIONS = Counter("gateway_entity_cache_invalidations_total", "Entity cache invalidations", ["source"])
_HITS = CACHE_LOOKUPS.labels("hit")
_MISSES = CACHE_LOOKUPS.labels("miss")
_BYPASSED = CACHE_LOOKUPS.labels("bypassed")

# Events whose payload names no entity that a cached answer contains, with the fields they change - unless
# the payload has the field named second (then it names them).
FIELD_TAGS: dict[str, tuple[tuple[str, ...], str | None]] = {
    # Its students' homework lists: named in `student_ids` since it has them (an event from before does not).
    "learning.homework.assigned.v1": (("homework",), "student_ids"),
    "scheduling.lesson.scheduled.v1": (("lessons",), None),  # a group's new lesson is in no cached page yet
    # A lesson moved into a cached window (a family's month of lessons) is not in it yet: its id is not there.
    "scheduling.lesson.rescheduled.v1": (("lessons",), None),
    # Until when each lesson of the branch may be cancelled: computed from the branch's rule, shown on lessons
    # nested anywhere (a booking's lesson), in answers that name no branch.
    "scheduling.booking_policy.set.v1": (("cancellableUntil",), None),
    # A branch's billing report (payments, refunds, debts, sales, charges) is keyed by the branch, which billing's
    # money events do not name (an online payment reaches it through no mutation of this gateway).
    **{
        f"billing.{event}.v1": (("branchBillingReport",), None)
        for event in (
            "payment.received",
            "payment.refunded",
            "lesson.charged",
            "charge.refunded",
            "adjustment.made",
            "balance.changed",
            "subscription.sold",
            "subscription.expired",
            "subscription.closed",
            "invoice.paid",
        )
    },
}
# Fields dropped by name wherever they sit in a fetch's selection, not only at its top: values derived from a
# rule the objects around them do not show (the other field drops are lists at a fetch's top).
NESTED_FIELD_TAGS = frozenset({"cancellableUntil"})
# Every event: any of them may name a cached entity.
BINDINGS = ("#",)

# Whose answers an event can change: its producer's and its consumers' (a service's answers change only with its
# own tables, and a consumer applies the event to its own) but for consumers that announce their changes with events
# of their own (a drop on the event they consume, before they applied it, could not keep their answers fresh). The
# catalogue's (`Entry.changes` of `kabinet.events.catalogue.collect()`, which imports the services - the gateway
# does not); test_entity_cache keeps the two equal. An event not listed here drops its tags in every subgraph.
EVENT_CHANGES: dict[str, tuple[str, ...]] = {
    "billing.account.opened.v1": ("billing",),
    "billing.adjustment.made.v1": ("billing",),
    "billing.balance.changed.v1": ("billing",),
    "billing.charge.refunded.v1": ("billing",),
    "billing.events.applied.v1": ("billing",),
    "billing.invoice.issued.v1": ("billing",),
    "billing.invoice.paid.v1": ("billing",),
    "billing.lesson.charged.v1": ("billing",),
    "billing.payment.received.v1": ("billing",),
    "billing.payment.refunded.v1": ("billing",),
    "billing.subscription.closed.v1": ("billing",),
    "billing.subscription.ending.v1": ("billing",),
    "billing.subscription.expired.v1": ("billing",),
    "billing.subscription.frozen.v1": ("billing",),
    "billing.subscription.sold.v1": ("billing", "identity"),
    "billing.subscription.unfrozen.v1": ("billing",),
    "identity.access.granted.v1": ("identity",),
    "identity.access.revoked.v1": ("identity",),
    "identity.branch.created.v1": ("identity", "billing", "scheduling"),
    "identity.branch.updated.v1": ("identity", "billing", "scheduling"),
    "identity.events.applied.v1": ("identity",),
    "identity.family.created.v1": ("identity",),
    "identity.guardian.linked.v1": ("identity",),
    "identity.lead.created.v1": ("identity",),
    "identity.lead.stage_changed.v1": ("identity",),
    "identity.lead.won.v1": ("identity",),
    "identity.question.answered.v1": ("identity",),
    "identity.question.asked.v1": ("identity",),
    "identity.staff.created.v1": ("identity", "billing", "scheduling"),
    "identity.student.erased.v1": ("identity", "billing", "learning", "scheduling"),
    "identity.student.registered.v1": ("identity", "billing", "learning", "scheduling"),
    "identity.student.updated.v1": ("identity", "billing", "learning", "scheduling"),
    # Billing and scheduling consume it and announce what they change (a charge, a trial) with their own events.
    "learning.attendance.marked.v1": ("learning",),
    "learning.events.applied.v1": ("learning",),
    "learning.grade.posted.v1": ("learning",),
    "learning.homework.assigned.v1": ("learning",),
    "learning.lesson.conducted.v1": ("learning", "scheduling"),
    "scheduling.booking.cancelled.v1": ("scheduling",),
    "scheduling.booking.created.v1": ("scheduling",),
    "scheduling.booking_policy.set.v1": ("scheduling",),
    "scheduling.events.applied.v1": ("scheduling",),
    "scheduling.lesson.cancelled.v1": ("scheduling", "billing", "learning"),
    "scheduling.lesson.rescheduled.v1": ("scheduling", "billing", "learning"),
    "scheduling.lesson.scheduled.v1": ("scheduling", "identity", "learning"),
    "scheduling.membership.ended.v1": ("scheduling",),
    "scheduling.membership.started.v1": ("scheduling",),
    "scheduling.membership.transferred.v1": ("scheduling",),
    "scheduling.participant.added.v1": ("scheduling", "identity", "learning"),
    "scheduling.participant.removed.v1": ("scheduling", "learning"),
}
# The subgraphs whose entries carry their own tags (`<subgraph>|<tag>`, see `subgraph_tags`): the services of
# the catalogue. An entry of a subgraph named otherwise keeps plain tags, which every event and mutation drops.
SERVICES = frozenset(("identity", "scheduling", "billing", "learning"))


def changed_by(envelope: Envelope) -> Iterable[str]:
    """The subgraphs whose answers the event can change (all of them when the catalogue does not list it)."""
    return EVENT_CHANGES.get(envelope.routing_key, SERVICES)


def in_subgraphs(tags: set[str], subgraphs: Iterable[str]) -> set[str]:
    """What drops `tags` in the entries of these subgraphs (and, as plain tags, in those of unnamed ones): a payment
    drops the family's billing answers, not its lessons or homework, which no payment changes."""
    out = set(tags)
    for subgraph in subgraphs:
        if subgraph in SERVICES:
            prefix = f"{subgraph}|"
            out.update([prefix + tag for tag in tags])
    return out


def subgraph_tags(subgraph: str, tags: set[str]) -> frozenset[str]:
    """The tags an answer of `subgraph` is stored with (see `in_subgraphs`)."""
    if subgraph not in SERVICES:
        return frozenset(tags)
    prefix = f"{subgraph}|"
    return frozenset([prefix + tag for tag in tags])


def argument_tags(variables: Any, tags: set[str]) -> None:
    """The ids a fetch's variables name, plain and as arguments (`a:<id>`): an answer *keyed* by an id (a
    branch's report) is dropped by an event that names the id as context, an answer that only *shows* it is not."""
    ids: set[str] = set()
    ids_in(variables, ids)
    tags.update(ids)
    tags.update(f"a:{i}" for i in ids)


def field_tags(result: Any) -> Iterator[str]:
    if isinstance(result, dict):
        for name in result:
            yield f"f:{name}"


def event_tags(envelope: Envelope) -> set[str]:
    """What an event drops: the ids it changes, and answers keyed by the ids it names only as context (see
    `EventContract.context_fields`); an envelope without `changed_ids` changes every id it names."""
    changed, context = envelope.named_ids()
    return drop_tags(envelope.routing_key, envelope.payload, changed, context)


def drop_tags(routing_key: str, fields: Iterable[str], changed: Iterable[str], context: Iterable[str]) -> set[str]:
    """The tags of an event of `routing_key` whose payload has `fields` and changes these ids, naming the others
    only as context (see `event_tags`)."""
    tags = set(changed)
    tags.update(f"a:{i}" for i in context)
    field_names, named_in = FIELD_TAGS.get(routing_key, ((), None))
    if named_in is None or named_in not in fields:
        tags.update(f"f:{name}" for name in field_names)
    return tags


def applied_tags(envelope: Envelope) -> set[str]:
    """What a service's `<service>.events.applied` drops in its own answers: what the events it applied dropped
    when they were published (see `kabinet.events.applied`)."""
    tags: set[str] = set()
    for group in envelope.payload.get("applied", ()):
        tags |= drop_tags(group["routing_key"], group["fields"], group["changed"], group["context"])
    return tags


def is_applied(envelope: Envelope) -> bool:
    return bool(envelope.type == f"{envelope.producer}.events.applied")


@dataclass(frozen=True)
class CacheScope:
    """Whose answers these are: `key` separates principals; `tags` drop all of them at once."""

    key: bytes
    tags: tuple[str, ...]
    branches: frozenset[str] = frozenset()  # the caller's branch claims (see `mutation_tags`)


@lru_cache(maxsize=20_000)
def scope_for(principal: Principal) -> CacheScope:
    claims = jsoncodec.dumps_sorted(principal.claims())
    key = hashlib.blake2b(claims, digest_size=16).digest()
    tags = [f"p:{key.hex()}"]
    if principal.family_id:
        tags.append(principal.family_id)
    tags.extend(sorted(principal.student_ids))
    return CacheScope(key, tuple(tags), frozenset(principal.branch_ids))


def mutation_tags(scope: CacheScope | None, variables: Any, answer: Any) -> set[str]:
    """What a mutation drops before the gateway answers: its caller's scope, every id in its answer, and every
    id in its variables - except the caller's own branches, which staff name as where they act (a payment's
    `branchId`): of those only answers keyed by the branch (`a:<id>`: its report, settings, families) go, unless
    the answer shows the branch too (a change to the branch itself). A change the mutation makes to an entity
    that shows the branch is dropped by that entity's own id, or by the event that announces it."""
    tags: set[str] = set(scope.tags) if scope is not None else set()
    ids_in(answer, tags)
    named: set[str] = set()
    ids_in(variables, named)
    context = named.intersection(scope.branches).difference(tags) if scope is not None else set()
    tags.update(named.difference(context))
    tags.update(f"a:{i}" for i in context)
    return tags


def entry_key(*parts: bytes) -> str:
    return hashlib.blake2b(b"\x00".join(parts), digest_size=20).hexdigest()


class CacheBackend(Protocol):
    async def get_many(self, keys: list[str]) -> list[bytes | None]: ...

    async def get_many_ttl(self, keys: list[str]) -> list[tuple[bytes, float] | None]:
        """As `get_many`, with each entry's remaining life in seconds (the response layer bounds its own by it)."""

    async def put_many(self, entries: list[tuple[str, bytes, frozenset[str]]], max_age_s: float) -> None: ...

    async def invalidate(self, tags: set[str]) -> None: ...

    def clear_local(self) -> None:
        """Drop what this process holds (an in-process store: everything; a shared one: nothing)."""

    async def aclose(self) -> None: ...


@dataclass
class Pending:
    """An answer to store (see `EntityCache.store`)."""

    key: str
    value: bytes  # encoded when it arrives: merging shares (and later fetches extend) the answer's objects
    tags: frozenset[str]


class EntityCache:
    def __init__(
        self,
        backend: CacheBackend,
        max_age_s: float = 30.0,
        feed_healthy: Callable[[], bool] | None = None,
        recent_invalidations: int = 50_000,
    ) -> None:
        self.backend = backend
        self.max_age_s = max_age_s
        self.feed_healthy = feed_healthy
        self._seq = itertools.count(1)
        self.seq = 0
        # tag -> the sequence number of its last drop (bounded: the oldest forgotten raise `_floor`).
        self._dropped: OrderedDict[str, int] = OrderedDict()
        self._floor = 0
        self._recent = recent_invalidations
        self._feed_was_down = False
        self.invalidations = 0  # events and mutations handled (tests and the staleness measurement read it)

    @property
    def usable(self) -> bool:
        """False while events cannot reach the gateway: then nothing is read from or written to the cache."""
        if self.feed_healthy is None or self.feed_healthy():
            if self._feed_was_down:
                self._feed_was_down = False
                self.backend.clear_local()  # events were missed while the feed was down
                self._bump_floor()
                log.info("entity cache back in use: the event feed is up again")
            return True
        if not self._feed_was_down:
            self._feed_was_down = True
            log.warning("entity cache bypassed: the event feed is down (requests go to the subgraphs)")
        return False

    def begin(self) -> int:
        return self.seq

    async def lookup(self, keys: list[str], remaining: Callable[[float], None] | None = None) -> list[Any]:
        """The decoded answers (None: a miss); `remaining` is told each hit's remaining life (seconds)."""
        if remaining is None:
            raw = await self.backend.get_many(keys)
        else:
            raw = []
            for found in await self.backend.get_many_ttl(keys):
                if found is None:
                    raw.append(None)
                else:
                    raw.append(found[0])
                    remaining(found[1])
        out: list[Any] = []
        for value in raw:
            if value is None:
                _MISSES.inc()
                out.append(None)
            else:
                _HITS.inc()
                out.append(jsoncodec.loads(value))
        return out

    def bypassed(self) -> None:
        _BYPASSED.inc()

    async def store(self, started: int, entries: list[Pending], max_age_s: float | None = None) -> int:
        """Store answers fetched since `started`, except those a drop since then may have made stale; for at most
        `max_age_s` (never past the cache's maximum age). Returns how many were stored."""
        if started < self._floor:
            return 0
        if self.seq == started:  # nothing dropped since the request began
            fresh = [(e.key, e.value, e.tags) for e in entries]
        else:
            fresh = [(e.key, e.value, e.tags) for e in entries if not self._dropped_after(started, e.tags)]
        if fresh:
            age = self.max_age_s if max_age_s is None else min(max_age_s, self.max_age_s)
            checked = self.seq
            await self.backend.put_many(fresh, age)
            if self.seq != checked:
                # A drop while the write was on its way (Redis: a connection being opened) may have reached the
                # store before it: drop again what it named of these entries, or they would stay until max age.
                late: set[str] = set()
                dropped = self._dropped
                for _, _, tags in fresh:
                    late.update(tags if checked < self._floor else (t for t in tags if dropped.get(t, 0) > checked))
                if late:
                    await self.backend.invalidate(late)
        return len(fresh)

    def _dropped_after(self, started: int, tags: Iterable[str]) -> bool:
        """Whether any of these tags was dropped after `started` (`started` is at or above the floor, so no such
        drop has left `_dropped`). A lookup per tag of the entry: under load a request's lifetime sees hundreds of
        drops, and building their set for every store was 5 % of the gateway's CPU."""
        dropped = self._dropped
        return any(dropped.get(tag, 0) > started for tag in tags)

    async def invalidate(self, tags: Iterable[str], source: str) -> None:
        tags = set(tags)
        if not tags:
            return
        self._mark(tags)
        self.invalidations += 1
        CACHE_INVALIDATIONS.labels(source).inc()
        await self.backend.invalidate(tags)

    async def handle_event(self, envelope: Envelope) -> None:
        """The feed's handler: never raises."""
        try:
            if is_applied(envelope):  # a consumer's answers, now true: the producer's drop again, there only
                await self.invalidate(in_subgraphs(applied_tags(envelope), (envelope.producer,)), "event")
            else:
                await self.invalidate(in_subgraphs(event_tags(envelope), changed_by(envelope)), "event")
        except Exception:
            log.exception("entity cache could not apply an event", extra={"event_id": envelope.id})

    def _mark(self, tags: set[str]) -> None:
        self.seq = next(self._seq)
        dropped = self._dropped
        for tag in tags:
            dropped[tag] = self.seq
            dropped.move_to_end(tag)
        while len(dropped) > self._recent:
            _, seq = dropped.popitem(last=False)
            self._floor = max(self._floor, seq)

    def _bump_floor(self) -> None:
        self.seq = next(self._seq)
        self._floor = self.seq

    async def aclose(self) -> None:
        await self.backend.aclose()


class MemoryBackend:
    """In this process: entries with their expiry, a tag index, least recently stored evicted first."""

    def __init__(self, max_entries: int = 100_000, clock: Callable[[], float] | None = None) -> None:
        import time

        self.max_entries = max_entries
        self.clock = clock or time.monotonic
        self._entries: OrderedDict[str, tuple[float, bytes, frozenset[str]]] = OrderedDict()
        self._tags: dict[str, set[str]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        return [None if found is None else found[0] for found in await self.get_many_ttl(keys)]

    async def get_many_ttl(self, keys: list[str]) -> list[tuple[bytes, float] | None]:
        now = self.clock()
        out: list[tuple[bytes, float] | None] = []
        for key in keys:
            entry = self._entries.get(key)
            if entry is None:
                out.append(None)
            elif entry[0] <= now:
                self._remove(key)
                out.append(None)
            else:
                out.append((entry[1], entry[0] - now))
        return out

    async def put_many(self, entries: list[tuple[str, bytes, frozenset[str]]], max_age_s: float) -> None:
        expires = self.clock() + max_age_s
        for key, value, tags in entries:
            if key in self._entries:
                self._remove(key)
            self._entries[key] = (expires, value, tags)
            for tag in tags:
                self._tags.setdefault(tag, set()).add(key)
        while len(self._entries) > self.max_entries:
            self._remove(next(iter(self._entries)))

    async def invalidate(self, tags: set[str]) -> None:
        for tag in tags:
            for key in self._tags.pop(tag, ()):
                self._remove(key)

    def _remove(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        for tag in entry[2]:
            keys = self._tags.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._tags[tag]

    def clear_local(self) -> None:
        self._entries.clear()
        self._tags.clear()

    async def aclose(self) -> None:
        self.clear_local()
