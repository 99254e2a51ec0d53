"""Notifications recorded from other services' events (R-NTF-1, R-NTF-2; docs/notifications.md).

Each handler runs in the inbox's transaction of its event, so the notifications are committed with the event's
claim or not at all (never lost), and their key (event, kind, guardian, channel) records nothing new when the event
comes again (never twice). Recipients come from identity's own data only: a student's family is the one identity
holds for that student, and only that family's guardians are told (never another family).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from identity.domain.model import Guardian, Student, new_id
from identity.domain.notifications import NOTHING, About, Channel, Kind, Notification, Preferences, Status
from identity.service.inbound_events import LessonScheduledV1, ParticipantAddedV1
from identity.service.messenger import chats_for
from identity.service.notification_templates import local_time, money, render
from identity.service.notify_events import (
    GradePostedV1,
    HomeworkAssignedV1,
    LessonCancelledV1,
    LessonChargedV1,
    LessonRescheduledV1,
    ParticipantRemovedV1,
    PaymentReceivedV1,
    QuestionAnsweredV1,
    SubscriptionEndingV1,
    SubscriptionExpiredV1,
)
from identity.service.unit_of_work import IdentityUnitOfWork
from identity.service.web_push import WEB_PUSH_ADDRESS, people_with
from kabinet.context import current_context
from kabinet.inbox import Delivered

HOMEWORK_PREVIEW = 300  # characters of the homework's text in a message
QUESTION_PREVIEW = 100  # characters of the question asked, in the message with its answer


def _event_id() -> str:
    """The id of the event being handled (the kit's each() runs a handler in its context: causation id)."""
    event_id = current_context().causation_id
    if not event_id:
        raise RuntimeError("notifications are recorded only while an event is handled")
    return str(event_id)


def _names(kids: Iterable[Student]) -> str:
    return ", ".join(s.first_name for s in kids)


def _about(kids: Iterable[Student], lesson_id: str | None = None) -> About:
    """The family's own students a notice names (families_of / _families: never another family's), and its lesson."""
    return About(tuple(s.id for s in kids), lesson_id)


async def families_of(uow: IdentityUnitOfWork, student_ids: Iterable[str]) -> dict[str, list[Student]]:
    """The families identity holds for these students (erased ones and unknown ids left out), each with its
    students named by the event: an event's own family field is never trusted to pick a recipient."""
    return _families((await uow.students.by_ids(sorted(set(student_ids)))).values())


def _address(g: Guardian, channel: Channel, chats: dict[str, str], pushes: set[str]) -> str | None:
    if channel is Channel.CABINET:
        return ""
    if channel is Channel.WEB_PUSH:  # every browser they subscribed, looked up when sent (service.web_push)
        return WEB_PUSH_ADDRESS if g.id in pushes else None
    if channel is Channel.EMAIL:
        return g.email if g.email and g.email_confirmed_at else None  # only a confirmed address
    if channel is Channel.TELEGRAM:
        return chats.get(g.id)  # only a chat the guardian linked
    return g.phone


@dataclass(frozen=True)
class To:
    """Whom a notification goes to: a person (a guardian, or a staff member with no family: ``family_id`` "")
    and the address of each channel they can be reached on (None: not on that channel)."""

    person_id: str
    family_id: str
    addresses: dict[Channel, str | None]


def notification(event_id: str, kind: Kind, to: To, channel: Channel, prefs: Preferences, default_language: str,
                 params: dict[str, str], branch_id: str | None, now: datetime,
                 about: About = NOTHING) -> Notification | None:
    """The row for one person and channel, or None when they did not choose the kind there or have no address."""
    address = to.addresses.get(channel)
    if kind not in prefs.kinds(channel) or address is None:
        return None
    language = prefs.language or default_language
    subject, text = render(kind, language, params)
    in_cabinet = channel is Channel.CABINET
    return Notification(new_id(), event_id, kind, to.person_id, to.family_id, channel, language, subject, text,
                        branch_id, now, Status.SENT if in_cabinet else Status.PENDING, 0,
                        None if in_cabinet else now, now if in_cabinet else None, address=address, about=about)


def _to(g: Guardian, chats: dict[str, str], pushes: set[str]) -> To:
    return To(g.id, g.family_id, {c: _address(g, c, chats, pushes) for c in Channel})


@dataclass(frozen=True)
class Notice:
    """What one event tells one family: the kind, the words of its message and what it is about."""

    event_id: str
    kind: Kind
    family_id: str
    params: dict[str, str]
    branch_id: str | None
    guardian_id: str | None = None  # only this guardian of the family (None: every guardian)
    about: About = NOTHING  # only this family's students: the notice is built per family


async def notify_families(uow: IdentityUnitOfWork, notices: Sequence[Notice]) -> int:
    """One notification per notice, guardian of its family and channel they chose for its kind; how many were new.
    Set-wise: the guardians, their preferences and the rows are one statement each, however many notices (a sheet
    of ten grades, a run of charges) - per notice it was four."""
    if not notices:
        return 0
    guardians = await uow.guardians.of_families(sorted({n.family_id for n in notices}))
    ids = sorted({g.id for n in notices for g in guardians.get(n.family_id, [])})
    prefs, chats = await uow.notifications.preferences(ids), await chats_for(uow, ids)
    pushes = await people_with(uow, ids)
    ports = uow.ports
    now, language = ports.now(), ports.settings.notify_language
    # A run of events is recorded in one transaction, at one clock reading: each notice a microsecond after the one
    # before, so the cabinet's list (newest first: created_at, then id) shows them in the order their events came.
    rows = [row for i, n in enumerate(notices) for g in guardians.get(n.family_id, []) if n.guardian_id in (None, g.id)
            for c in Channel
            if (row := notification(n.event_id, n.kind, _to(g, chats, pushes), c, prefs[g.id], language,
                                    n.params, n.branch_id, now + timedelta(microseconds=i), n.about)) is not None]
    return await uow.notifications.add(rows)


async def _time_zone(uow: IdentityUnitOfWork, branch_id: str | None) -> str | None:
    branch = await uow.branches.get(branch_id) if branch_id else None
    return branch.time_zone if branch else None


async def _lesson_notice(uow: IdentityUnitOfWork, kind: Kind, lesson_id: str, student_ids: Iterable[str],
                         branch_id: str | None, starts_at: datetime | str | None) -> None:
    """Every family of the lesson's students told at once (a lesson of ten: a few statements, not four a family)."""
    event_id, zones, notices = _event_id(), dict[str | None, str | None](), []
    for family_id, kids in (await families_of(uow, student_ids)).items():
        branch = branch_id or _branch_in(kids)
        if branch not in zones:
            zones[branch] = await _time_zone(uow, branch)
        notices.append(Notice(event_id, kind, family_id, {"student": _names(kids),
                                                          "when": local_time(starts_at, zones[branch])}, branch,
                              about=_about(kids, lesson_id)))
    await notify_families(uow, notices)


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _ends(event: LessonScheduledV1 | ParticipantAddedV1 | LessonRescheduledV1) -> datetime | None:
    """When the lesson ends (the retention job forgets it long after); an event without its end: its start."""
    return _moment(event.ends_at or event.starts_at)


async def lesson_scheduled(event: LessonScheduledV1, uow: IdentityUnitOfWork) -> None:
    students = [p.student_id for p in event.participants]
    await uow.notifications.remember_lesson(event.lesson_id, students, event.branch_id, _moment(event.starts_at),
                                            _ends(event))
    await _lesson_notice(uow, Kind.LESSON_SCHEDULED, event.lesson_id, students, event.branch_id, event.starts_at)


async def participant_added(event: ParticipantAddedV1, uow: IdentityUnitOfWork) -> None:
    await uow.notifications.remember_lesson(event.lesson_id, [event.student_id], event.branch_id,
                                            _moment(event.starts_at), _ends(event))
    await _lesson_notice(uow, Kind.LESSON_SCHEDULED, event.lesson_id, [event.student_id], event.branch_id,
                         event.starts_at)


async def on_participant_removed(event: ParticipantRemovedV1, uow: IdentityUnitOfWork, state: object) -> None:
    await uow.notifications.forget_student(event.lesson_id, event.student_id)


async def on_lesson_rescheduled(event: LessonRescheduledV1, uow: IdentityUnitOfWork, state: object) -> None:
    starts_at = datetime.fromisoformat(event.starts_at)
    await uow.notifications.move_lesson(event.lesson_id, starts_at, _ends(event) or starts_at)
    students, _ = await uow.notifications.lesson_students(event.lesson_id)
    await _lesson_notice(uow, Kind.LESSON_MOVED, event.lesson_id, students, event.branch_id, starts_at)


async def on_lesson_cancelled(event: LessonCancelledV1, uow: IdentityUnitOfWork, state: object) -> None:
    students, starts_at = await uow.notifications.lesson_students(event.lesson_id)
    await _lesson_notice(uow, Kind.LESSON_CANCELLED, event.lesson_id, students, event.branch_id, starts_at)


def _charge_notices(event_id: str, event: LessonChargedV1, families: dict[str, list[Student]],
                    below: Decimal) -> list[Notice]:
    """One message per family for the lesson's charges; a money charge that takes the family's balance below the
    threshold (IDENTITY_NOTIFY_LOW_BALANCE_BELOW) also tells of the low balance, once, when it crosses it."""
    lines = {c.student_id: c for c in event.charges}
    notices = []
    for family_id, kids in families.items():
        mine = [lines[s.id] for s in kids]
        branch = event.branch_id or _branch_in(kids)
        amounts = ", ".join(money(c.amount.amount, c.amount.currency) for c in mine)
        last = next((c.balance for c in reversed(mine) if c.balance is not None), None)
        balance = money(last.amount, last.currency) if last else "—"
        about = _about(kids, event.lesson_id)
        notices.append(Notice(event_id, Kind.LESSON_CHARGED, family_id,
                              {"student": _names(kids), "amount": amounts, "balance": balance},
                              branch, about=about))
        money_lines = [c for c in mine if c.balance is not None and c.subscription_id is None]
        if money_lines and last is not None:
            after = Decimal(last.amount)
            before = after + sum((Decimal(c.amount.amount) for c in money_lines), Decimal(0))
            if after < below <= before:
                notices.append(Notice(event_id, Kind.LOW_BALANCE, family_id, {"balance": balance}, branch,
                                      about=about))
    return notices


def _branch_in(kids: Iterable[Student]) -> str | None:
    return next((s.branch_id for s in kids if s.branch_id), None)


async def on_lessons_charged(events: Sequence[Delivered[LessonChargedV1]], uow: IdentityUnitOfWork,
                             state: object) -> None:
    below = Decimal(uow.ports.settings.notify_low_balance_below)
    students = await uow.students.by_ids(sorted({c.student_id for d in events for c in d.event.charges}))
    notices: list[Notice] = []
    for d in events:
        families = _families([students[c.student_id] for c in d.event.charges if c.student_id in students])
        notices += _charge_notices(d.event_id, d.event, families, below)
    await notify_families(uow, notices)


async def on_payments_received(events: Sequence[Delivered[PaymentReceivedV1]], uow: IdentityUnitOfWork,
                               state: object) -> None:
    family_ids = sorted({d.event.family_id for d in events})
    # The run's families read once (one statement, however many payments); one identity does not know has
    # nobody to tell.
    known, kids = await uow.families.by_ids(family_ids), await uow.students.of_families(family_ids)
    await notify_families(uow, [
        Notice(d.event_id, Kind.PAYMENT_RECEIVED, d.event.family_id,
               {"amount": money(d.event.amount.amount, d.event.amount.currency)},
               _branch_in(kids.get(d.event.family_id, [])))
        for d in events if d.event.family_id in known])


Told = tuple[str, Kind, Sequence[str], dict[str, str], str | None]  # event id, kind, student ids, words, lesson id


async def _student_notices(uow: IdentityUnitOfWork, told: Sequence[Told]) -> None:
    """(event id, kind, student ids, words, lesson id) for a run of events: the students' families in one
    statement."""
    students = await uow.students.by_ids(sorted({s for _, _, ids, _, _ in told for s in ids}))
    notices = [Notice(event_id, kind, family_id, {"student": _names(kids), **params}, _branch_in(kids),
                      about=_about(kids, lesson_id))
               for event_id, kind, ids, params, lesson_id in told
               for family_id, kids in _families([students[s] for s in ids if s in students]).items()]
    await notify_families(uow, notices)


def _families(found: Iterable[Student]) -> dict[str, list[Student]]:
    """The families of these students (erased ones left out), each with its students, by id."""
    families: dict[str, list[Student]] = defaultdict(list)
    for s in sorted({s.id: s for s in found}.values(), key=lambda s: s.id):
        if not s.erased:
            families[s.family_id].append(s)
    return dict(families)


async def on_subscriptions_expired(events: Sequence[Delivered[SubscriptionExpiredV1]], uow: IdentityUnitOfWork,
                                   state: object) -> None:
    await _student_notices(uow, [(d.event_id, Kind.SUBSCRIPTION_ENDED, [d.event.student_id], {}, None)
                                 for d in events])


async def on_subscriptions_ending(events: Sequence[Delivered[SubscriptionEndingV1]], uow: IdentityUnitOfWork,
                                  state: object) -> None:
    await _student_notices(uow, [(d.event_id, Kind.SUBSCRIPTION_ENDING, [d.event.student_id],
                                  {"name": d.event.name, "left": str(d.event.lessons_left)}, None) for d in events])


async def on_question_answered(event: QuestionAnsweredV1, uow: IdentityUnitOfWork, state: object) -> None:
    """The guardian who asked is told the answer (the family's other guardians did not ask). A child who asked
    from its own login has no notifications: its family's guardians are told instead."""
    q = await uow.questions.get(event.question_id)
    if q is None or q.answer is None:
        return
    guardians = (await uow.guardians.of_families([q.family_id])).get(q.family_id, [])
    asker = q.asked_by if any(g.id == q.asked_by for g in guardians) else None
    await notify_families(uow, [Notice(_event_id(), Kind.QUESTION_ANSWERED, q.family_id,
                                       {"question": _preview(q.text, QUESTION_PREVIEW), "answer": _preview(q.answer)},
                                       q.branch_id, asker,
                                       About((q.student_id,) if q.student_id else (), question_id=q.id))])


async def on_grades_posted(events: Sequence[Delivered[GradePostedV1]], uow: IdentityUnitOfWork,
                           state: object) -> None:
    await _student_notices(uow, [(d.event_id, Kind.GRADE_POSTED, [d.event.student_id], {"grade": d.event.grade},
                                  d.event.lesson_id) for d in events])


def _preview(text: str, limit: int = HOMEWORK_PREVIEW) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


async def on_homework_assigned(events: Sequence[Delivered[HomeworkAssignedV1]], uow: IdentityUnitOfWork,
                               state: object) -> None:
    await _student_notices(uow, [(d.event_id, Kind.HOMEWORK_ASSIGNED, d.event.student_ids,
                                  {"text": _preview(d.event.text)}, d.event.lesson_id) for d in events])
