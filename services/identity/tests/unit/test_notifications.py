"""Notifications on the in-memory unit of work: the unique key holds even without the inbox, quiet hours, the
recipients (tests/api/test_notifications.py runs the whole path on PostgreSQL + RabbitMQ and SQLite)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from identity_memory import World
from identity_unit_support import branch, staff_family

from identity.domain.notifications import Channel, Kind, Preferences
from identity.service.handlers import HANDLERS
from kabinet.errors import InvalidInput
from kabinet.events import Envelope


async def _handle(world: World, *envelopes: Envelope) -> None:
    async with world.uow() as uow:
        await HANDLERS.handle(uow, list(envelopes))
        await uow.commit()


async def test_the_same_event_handled_twice_past_the_inbox_records_nothing_new(world: World) -> None:
    """The inbox drops a redelivered event; the key (event, kind, guardian, channel) holds on its own as well."""
    b = await branch(world)
    fam = await staff_family(world, b, "+79160000051", ("Masha", "Petrova", "2015-03-01"),
                             ("Petya", "Petrova", "2017-04-02"))
    other = await staff_family(world, b, "+79160000052", ("Kolya", "Ivanov", "2016-01-01"))
    kids = sorted(s.id for s in world.data.students.values() if s.family_id == fam.id)
    grade = Envelope(type="learning.homework.assigned", version=1, producer="learning",
                     payload={"lesson_id": "l1", "text": "Read", "student_ids": kids})
    await _handle(world, grade)
    await _handle(world, grade, grade)
    rows = list(world.data.notifications.values())
    # Two children of one family: one message to its guardian (per channel), naming both; no email unconfirmed.
    assert [(n.family_id, n.channel) for n in rows] == [(fam.id, Channel.CABINET)]
    assert "Masha" in rows[0].text and "Petya" in rows[0].text
    assert all(n.family_id != other.id for n in rows)


def test_quiet_hours_over_midnight_end_in_the_branch_time_zone() -> None:
    p = Preferences("g", quiet_from=time(22, 0), quiet_to=time(8, 0))
    tz = "Asia/Yekaterinburg"  # UTC+5
    assert p.quiet_until(datetime(2026, 12, 7, 16, 59, tzinfo=UTC), tz) is None  # 21:59 there
    assert p.quiet_until(datetime(2026, 12, 7, 17, 0, tzinfo=UTC), tz) == datetime(2026, 12, 8, 3, 0, tzinfo=UTC)
    assert p.quiet_until(datetime(2026, 12, 8, 2, 0, tzinfo=UTC), tz) == datetime(2026, 12, 8, 3, 0, tzinfo=UTC)
    assert p.quiet_until(datetime(2026, 12, 8, 3, 0, tzinfo=UTC), tz) is None
    day = Preferences("g", quiet_from=time(13, 0), quiet_to=time(15, 0))
    assert day.quiet_until(datetime(2026, 12, 7, 9, 0, tzinfo=UTC), tz) == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    assert Preferences("g").quiet_until(datetime(2026, 12, 7, 9, 0, tzinfo=UTC), tz) is None


def test_defaults_and_bad_preferences() -> None:
    p = Preferences("g")
    assert p.kinds(Channel.CABINET) == frozenset(Kind) and p.kinds(Channel.SMS) == frozenset()
    for bad in ({"language": "de"}, {"quiet_from": time(22, 0)}, {"quiet_from": time(1, 0), "quiet_to": time(1, 0)}):
        args = {"language": None, "cabinet": p.cabinet, "email": p.email, "sms": p.sms, "quiet_from": None,
                "quiet_to": None, **bad}
        try:
            p.changed(**args)  # type: ignore[arg-type]
        except InvalidInput:
            continue
        raise AssertionError(f"accepted {bad}")


def test_preferences_saved_before_a_kind_existed_give_it_its_default() -> None:
    v1 = frozenset(Kind) - {Kind.SUBSCRIPTION_ENDING, Kind.QUESTION_ANSWERED, Kind.LEAD_CREATED, Kind.QUESTION_ASKED}
    only_payments = frozenset({Kind.PAYMENT_RECEIVED})
    old = Preferences.saved("g", None, only_payments, only_payments, frozenset(), None, None, frozenset(), v1)
    cabinet, email = old.kinds(Channel.CABINET), old.kinds(Channel.EMAIL)
    assert Kind.SUBSCRIPTION_ENDING in cabinet and Kind.SUBSCRIPTION_ENDING in email
    assert Kind.QUESTION_ANSWERED in cabinet and Kind.QUESTION_ANSWERED not in email
    assert Kind.GRADE_POSTED not in old.kinds(Channel.CABINET)  # known then: refused, as chosen
    assert old.kinds(Channel.SMS) == frozenset()
    now = Preferences.saved("g", None, only_payments, only_payments, frozenset(), None, None, frozenset(),
                            frozenset(Kind))
    assert now.kinds(Channel.CABINET) == only_payments and now.kinds(Channel.EMAIL) == only_payments
