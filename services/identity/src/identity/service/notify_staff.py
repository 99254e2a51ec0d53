"""Staff notifications (R-NTF-1 "leads for staff"; docs/notifications.md): a branch's admins are told of a new
lead and of a family's question in their branch - never of another branch's.

Identity reads its own events (``identity.lead.created``, ``identity.question.asked``) through its inbox like any
other, so the notices commit with the event's claim and are recorded once per (event, kind, person, channel). A
staff member's row has no family (``family_id`` ""); staff have no phone in Kabinet, so no SMS: the cabinet, a
confirmed email, a linked Telegram chat. Questions name a branch and a family, never a teacher or a lesson: only
the branch's admins are told of them.
"""

from __future__ import annotations

from collections.abc import Sequence

from identity.domain.events import LeadCreated, QuestionAsked
from identity.domain.model import Staff, StaffRole
from identity.domain.notifications import NOTHING, About, Channel, Kind
from identity.service.messenger import chats_for
from identity.service.notification_templates import local_time
from identity.service.notify import To, notification
from identity.service.unit_of_work import IdentityUnitOfWork
from identity.service.web_push import WEB_PUSH_ADDRESS, people_with
from kabinet.inbox import Delivered

# event id, kind, branch, words, who else is told, what it is about
Told = tuple[str, Kind, str, dict[str, str], frozenset[str], About]
# Who may read a lead or a question (leads.lead_for_staff, the questions' admin screens): only their notices name
# it; a teacher told of a lead assigned to them gets the words without the id. No staff notice names a child.
READERS = frozenset({StaffRole.BRANCH_ADMIN, StaffRole.OWNER})


def _to(s: Staff, chats: dict[str, str], pushes: set[str]) -> To:
    email = s.email if s.email_confirmed_at else None  # only a confirmed address, as for guardians
    return To(s.id, "", {Channel.CABINET: "", Channel.EMAIL: email, Channel.SMS: None,
                         Channel.TELEGRAM: chats.get(s.id),
                         Channel.WEB_PUSH: WEB_PUSH_ADDRESS if s.id in pushes else None})


async def _notify_branch_staff(uow: IdentityUnitOfWork, told: Sequence[Told], skip: dict[str, str]) -> None:
    """Each notice to its branch's admins (and the named staff of that branch), leaving out ``skip[event id]``."""
    branches = sorted({branch for _, _, branch, _, _, _ in told})
    staff_of = {b: await uow.staff.of_branch(b) for b in branches}  # only staff of the event's own branch
    recipients = {event_id: [s for s in staff_of[branch] if s.id != skip.get(event_id)
                             and (s.role is StaffRole.BRANCH_ADMIN or s.id in named)]
                  for event_id, _, branch, _, named, _ in told}
    ids = sorted({s.id for people in recipients.values() for s in people})
    prefs, chats = await uow.notifications.preferences(ids), await chats_for(uow, ids)
    pushes = await people_with(uow, ids)
    now, language = uow.ports.now(), uow.ports.settings.notify_language
    rows = [row for event_id, kind, branch, params, _, about in told for s in recipients[event_id] for c in Channel
            if (row := notification(event_id, kind, _to(s, chats, pushes), c, prefs[s.id], language, params, branch,
                                    now, about if s.role in READERS else NOTHING)) is not None]
    await uow.notifications.add(rows)


async def on_leads_created(events: Sequence[Delivered[LeadCreated]], uow: IdentityUnitOfWork,
                           state: object) -> None:
    """The branch's admins and the lead's assigned staff member (if of that branch); not who recorded it."""
    leads = {d.event.lead_id: await uow.leads.get(d.event.lead_id) for d in events}
    told: list[Told] = []
    skip: dict[str, str] = {}
    for d in events:
        lead = leads[d.event.lead_id]
        if lead is None or lead.branch_id != d.event.branch_id:
            continue  # identity's own record decides; an event naming another branch tells nobody
        details = lead.details
        told.append((d.event_id, Kind.LEAD_CREATED, lead.branch_id,
                     {"child": details.child_first_name, "interest": details.interest or "—",
                      "source": details.source.value},
                     frozenset({details.assigned_staff_id} if details.assigned_staff_id else set()),
                     About(lead_id=lead.id)))
        skip[d.event_id] = lead.created_by
    await _notify_branch_staff(uow, told, skip)


async def on_questions_asked(events: Sequence[Delivered[QuestionAsked]], uow: IdentityUnitOfWork,
                             state: object) -> None:
    """The branch's admins: the question is their task until it is due (its text stays in the cabinet)."""
    questions = {d.event.question_id: q for d in events if (q := await uow.questions.get(d.event.question_id))}
    zones = {b.id: b.time_zone for b in (await uow.branches.by_ids(
        sorted({q.branch_id for q in questions.values()}))).values()}
    told: list[Told] = [
        (d.event_id, Kind.QUESTION_ASKED, q.branch_id,
         {"topic": q.topic, "due": local_time(q.due_at, zones.get(q.branch_id))}, frozenset(),
         About(question_id=q.id))
        for d in events if (q := questions.get(d.event.question_id)) is not None]
    await _notify_branch_staff(uow, told, {})
