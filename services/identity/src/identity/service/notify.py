"""Notifications recorded from other services' events (R-NTF-1, R-NTF-2; docs/notifications.md).

Each handler runs in the inbox's transaction of its event, so the notifications are committed with the event's
claim or not at all (never lost), and their key (event, kind, guardian, channel) records nothing new when the event
comes again (never twice). Recipients come from identity's own data only: a student's family is the one identity
holds for that student, and only that family's guardians are told (never another family).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from identity.domain.model import Guardian, Student, new_id
from identity.domain.notifications import Channel, Kind, Notification, Preferences, Status
from identity.service.inbound_events import LessonScheduledV1, ParticipantAddedV1
from identity.service.notification_templates import local_time, money, render
from identity.service.notify_events import (
    GradePostedV1,
    HomeworkAssignedV1,
    LessonCancelledV1,
    LessonChargedV1,
    LessonRescheduledV1,
    ParticipantRemovedV1,
    PaymentReceivedV1,
    SubscriptionExpiredV1,
)
from identity.service.unit_of_work import IdentityUnitOfWork
from kabinet.context import current_context

HOMEWORK_PREVIEW = 300  # characters of the homework's text in a message


def _event_id() -> str:
    """The id of the event being handled (the kit's each() runs a handler in its context: causation id)."""
    event_id = current_context().causation_id
    if not event_id:
        raise RuntimeError("notifications are recorded only while an event is handled")
    return event_id


def _names(kids: Iterable[Student]) -> str:
    return ", ".join(s.first_name for s in kids)


async def families_of(uow: IdentityUnitOfWork, student_ids: Iterable[str]) -> dict[str, list[Student]]:
    """The families identity holds for these students (erased ones and unknown ids left out), each with its
    students named by the event: an event's own family field is never trusted to pick a recipient."""
    found = await uow.students.by_ids(sorted(set(student_ids)))
    families: dict[str, list[Student]] = defaultdict(list)
    for s in sorted(found.values(), key=lambda s: s.id):
        if not s.erased:
            families[s.family_id].append(s)
    return dict(families)


def _address(g: Guardian, channel: Channel) -> str | None:
    if channel is Channel.CABINET:
        return ""
    if channel is Channel.EMAIL:
        return g.email if g.email and g.email_confirmed_at else None  # only a confirmed address
    return g.phone


def _one(event_id: str, kind: Kind, g: Guardian, channel: Channel, prefs: Preferences, default_language: str,
         params: dict[str, str], branch_id: str | None, now: datetime) -> Notification | None:
    address = _address(g, channel)
    if kind not in prefs.kinds(channel) or address is None:
        return None
    language = prefs.language or default_language
    subject, text = render(kind, language, params)
    in_cabinet = channel is Channel.CABINET
    return Notification(new_id(), event_id, kind, g.id, g.family_id, channel, language, subject, text, branch_id,
                        now, Status.SENT if in_cabinet else Status.PENDING, 0, None if in_cabinet else now,
                        now if in_cabinet else None, address=address)


async def notify_family(uow: IdentityUnitOfWork, kind: Kind, family_id: str, params: dict[str, str],
                        branch_id: str | None) -> int:
    """One notification per guardian of ``family_id`` and channel they chose for ``kind``; how many were new."""
    guardians = (await uow.guardians.of_families([family_id])).get(family_id, [])
    if not guardians:
        return 0
    prefs = await uow.notifications.preferences([g.id for g in guardians])
    ports = uow.ports
    now, event_id = ports.now(), _event_id()
    rows = [n for g in guardians for c in Channel
            if (n := _one(event_id, kind, g, c, prefs[g.id], ports.settings.notify_language, params, branch_id,
                          now)) is not None]
    return await uow.notifications.add(rows)


async def _time_zone(uow: IdentityUnitOfWork, branch_id: str | None) -> str | None:
    branch = await uow.branches.get(branch_id) if branch_id else None
    return branch.time_zone if branch else None


async def _branch_of(uow: IdentityUnitOfWork, given: str | None, kids: list[Student]) -> str | None:
    return given or next((s.branch_id for s in kids if s.branch_id), None)


async def _lesson_notice(uow: IdentityUnitOfWork, kind: Kind, student_ids: Iterable[str], branch_id: str | None,
                         starts_at: datetime | str | None) -> None:
    for family_id, kids in (await families_of(uow, student_ids)).items():
        branch = await _branch_of(uow, branch_id, kids)
        when = local_time(starts_at, await _time_zone(uow, branch))
        await notify_family(uow, kind, family_id, {"student": _names(kids), "when": when}, branch)


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


async def lesson_scheduled(event: LessonScheduledV1, uow: IdentityUnitOfWork) -> None:
    students = [p.student_id for p in event.participants]
    await uow.notifications.remember_lesson(event.lesson_id, students, event.branch_id, _moment(event.starts_at))
    await _lesson_notice(uow, Kind.LESSON_SCHEDULED, students, event.branch_id, event.starts_at)


async def participant_added(event: ParticipantAddedV1, uow: IdentityUnitOfWork) -> None:
    await uow.notifications.remember_lesson(event.lesson_id, [event.student_id], event.branch_id,
                                            _moment(event.starts_at))
    await _lesson_notice(uow, Kind.LESSON_SCHEDULED, [event.student_id], event.branch_id, event.starts_at)


async def on_participant_removed(event: ParticipantRemovedV1, uow: IdentityUnitOfWork, state: object) -> None:
    await uow.notifications.forget_student(event.lesson_id, event.student_id)


async def on_lesson_rescheduled(event: LessonRescheduledV1, uow: IdentityUnitOfWork, state: object) -> None:
    starts_at = datetime.fromisoformat(event.starts_at)
    await uow.notifications.move_lesson(event.lesson_id, starts_at)
    students, _ = await uow.notifications.lesson_students(event.lesson_id)
    await _lesson_notice(uow, Kind.LESSON_MOVED, students, event.branch_id, starts_at)


async def on_lesson_cancelled(event: LessonCancelledV1, uow: IdentityUnitOfWork, state: object) -> None:
    students, starts_at = await uow.notifications.lesson_students(event.lesson_id)
    await _lesson_notice(uow, Kind.LESSON_CANCELLED, students, event.branch_id, starts_at)


async def on_lesson_charged(event: LessonChargedV1, uow: IdentityUnitOfWork, state: object) -> None:
    """One message per family for the lesson's charges; a money charge that takes the family's balance below the
    threshold (IDENTITY_NOTIFY_LOW_BALANCE_BELOW) also tells of the low balance, once, when it crosses it."""
    lines = {c.student_id: c for c in event.charges}
    below = Decimal(uow.ports.settings.notify_low_balance_below)
    for family_id, kids in (await families_of(uow, lines)).items():
        mine = [lines[s.id] for s in kids]
        branch = await _branch_of(uow, event.branch_id, kids)
        amounts = ", ".join(money(c.amount.amount, c.amount.currency) for c in mine)
        last = next((c.balance for c in reversed(mine) if c.balance is not None), None)
        balance = money(last.amount, last.currency) if last else "—"
        await notify_family(uow, Kind.LESSON_CHARGED, family_id,
                            {"student": _names(kids), "amount": amounts, "balance": balance}, branch)
        money_lines = [c for c in mine if c.balance is not None and c.subscription_id is None]
        if money_lines and last is not None:
            after = Decimal(last.amount)
            before = after + sum((Decimal(c.amount.amount) for c in money_lines), Decimal(0))
            if after < below <= before:
                await notify_family(uow, Kind.LOW_BALANCE, family_id, {"balance": balance}, branch)


async def on_payment_received(event: PaymentReceivedV1, uow: IdentityUnitOfWork, state: object) -> None:
    if await uow.families.get(event.family_id) is None:
        return  # a family identity does not know: nobody to tell
    kids = (await uow.students.of_families([event.family_id]))[event.family_id]
    branch = await _branch_of(uow, None, kids)
    await notify_family(uow, Kind.PAYMENT_RECEIVED, event.family_id,
                        {"amount": money(event.amount.amount, event.amount.currency)}, branch)


async def _student_notice(uow: IdentityUnitOfWork, kind: Kind, student_ids: Iterable[str],
                          params: dict[str, str]) -> None:
    for family_id, kids in (await families_of(uow, student_ids)).items():
        await notify_family(uow, kind, family_id, {"student": _names(kids), **params},
                            await _branch_of(uow, None, kids))


async def on_subscription_expired(event: SubscriptionExpiredV1, uow: IdentityUnitOfWork, state: object) -> None:
    await _student_notice(uow, Kind.SUBSCRIPTION_ENDED, [event.student_id], {})


async def on_grade_posted(event: GradePostedV1, uow: IdentityUnitOfWork, state: object) -> None:
    await _student_notice(uow, Kind.GRADE_POSTED, [event.student_id], {"grade": event.grade})


async def on_homework_assigned(event: HomeworkAssignedV1, uow: IdentityUnitOfWork, state: object) -> None:
    text = event.text if len(event.text) <= HOMEWORK_PREVIEW else event.text[:HOMEWORK_PREVIEW - 1] + "…"
    await _student_notice(uow, Kind.HOMEWORK_ASSIGNED, event.student_ids, {"text": text})

