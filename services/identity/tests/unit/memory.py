"""An in-memory IdentityUnitOfWork for unit tests: the use cases run without a database.

``MemoryStore`` holds what is committed. A unit of work works on a copy of it; ``commit()`` writes the copy
back and moves its events to ``store.published``; leaving without a commit forgets it (a rollback). Objects
go in and out of the repositories as copies, like rows: changing one without ``save`` changes nothing.
Row locks (``for_update``) mean nothing here: a unit test runs one use case at a time.

Ports: a clock the test moves, a fast fake hasher, a fake token issuer, and senders that keep the messages.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from identity.domain.confirmations import ConfirmationStatus, FamilyConfirmation
from identity.domain.credentials import EmailToken, OneTimeCode, RefreshToken, SmsLimits, StudentLogin
from identity.domain.model import Branch, Consent, Family, Guardian, Staff, Student, new_id
from identity.domain.notifications import Channel, Notification, Preferences, Status
from identity.domain.questions import Question, QuestionStatus, Topic
from identity.domain.web_push import PushSubscription
from identity.service.ports import IdentityPorts
from identity.settings import IdentitySettings
from kabinet.auth.principal import Principal
from kabinet.events import EventContract
from kabinet.idempotency import Idempotency, StoredKey

T = TypeVar("T")
SCHOOL_WIDE = "*"


def _c(value: T) -> T:
    return copy.deepcopy(value)


@dataclass
class SmsRecord:
    phone: str
    purpose: str
    branch_id: str | None
    cost: Decimal
    created_at: datetime
    notification_id: str | None = None


@dataclass
class MemoryData:
    families: dict[str, Family] = field(default_factory=dict)
    students: dict[str, Student] = field(default_factory=dict)
    consents: list[Consent] = field(default_factory=list)
    guardians: dict[str, Guardian] = field(default_factory=dict)
    student_logins: dict[str, StudentLogin] = field(default_factory=dict)
    branches: dict[str, Branch] = field(default_factory=dict)
    staff: dict[str, Staff] = field(default_factory=dict)
    codes: list[OneTimeCode] = field(default_factory=list)
    sms: list[SmsRecord] = field(default_factory=list)
    sms_totals: dict[tuple[date, str], tuple[int, Decimal]] = field(default_factory=dict)  # (day, key) -> sent, cost
    email_links: dict[str, tuple[str, EmailToken]] = field(default_factory=dict)  # id -> (hash, token)
    refresh: dict[str, tuple[str, RefreshToken]] = field(default_factory=dict)  # id -> (hash, token)
    throttles: list[tuple[str, str, datetime]] = field(default_factory=list)
    idempotency: dict[tuple[str, str], StoredKey] = field(default_factory=dict)
    confirmations: dict[str, FamilyConfirmation] = field(default_factory=dict)
    questions: dict[str, Question] = field(default_factory=dict)
    topics: dict[tuple[str, str], Topic] = field(default_factory=dict)  # (scope, code)
    teachings: set[tuple[str, str]] = field(default_factory=set)
    notifications: dict[str, Notification] = field(default_factory=dict)
    notify_prefs: dict[str, Preferences] = field(default_factory=dict)
    # (lesson, student) -> (starts, ends)
    notify_lessons: dict[tuple[str, str], tuple[datetime | None, datetime | None]] = field(default_factory=dict)
    messenger_links: dict[tuple[str, str], str] = field(default_factory=dict)  # (messenger, person) -> chat
    messenger_codes: dict[tuple[str, str], tuple[str, datetime]] = field(default_factory=dict)  # -> person, expiry
    web_push: dict[str, tuple[PushSubscription, str]] = field(default_factory=dict)  # endpoint -> it, person


@dataclass
class MemoryStore:
    """What is committed, and the events published by committed units of work."""

    data: MemoryData = field(default_factory=MemoryData)
    published: list[EventContract] = field(default_factory=list)
    commits: int = 0

    def events(self, cls: type[T]) -> list[T]:
        return [e for e in self.published if isinstance(e, cls)]


# -- repositories ------------------------------------------------------------------------------------------
class _Repo:
    def __init__(self, data: MemoryData) -> None:
        self.d = data


class MemoryFamilies(_Repo):
    async def by_phone(self, phone: str) -> Family | None:
        return next((_c(f) for f in self.d.families.values() if f.guardian_phone == phone), None)

    async def get(self, family_id: str, *, for_update: bool = False) -> Family | None:
        return _c(self.d.families.get(family_id))

    async def by_ids(self, ids: Sequence[str]) -> dict[str, Family]:
        return {i: _c(self.d.families[i]) for i in ids if i in self.d.families}

    async def add(self, family: Family) -> None:
        self.d.families[family.id] = dataclasses.replace(_c(family), students=[])

    async def save_access(self, family: Family) -> None:
        self.d.families[family.id].access_open = family.access_open


class MemoryStudents(_Repo):
    async def add(self, s: Student) -> None:
        self.d.students[s.id] = _c(s)

    async def save(self, s: Student) -> None:
        self.d.students[s.id] = _c(s)

    async def get(self, student_id: str, *, for_update: bool = False) -> Student | None:
        return _c(self.d.students.get(student_id))

    async def by_ids(self, ids: Sequence[str]) -> dict[str, Student]:
        return {i: _c(self.d.students[i]) for i in ids if i in self.d.students}

    async def of_branch(self, branch_id: str) -> list[Student]:
        return [_c(s) for s in self.d.students.values() if s.branch_id == branch_id]

    async def of_families(self, family_ids: Sequence[str]) -> dict[str, list[Student]]:
        out: dict[str, list[Student]] = {f: [] for f in family_ids}
        for s in sorted(self.d.students.values(), key=lambda s: s.created_at):
            if s.family_id in out:
                out[s.family_id].append(_c(s))
        return out

    async def matching(self, phone: str, last_name: str, birth_date: date) -> list[Student]:
        families = {f.id for f in self.d.families.values() if f.guardian_phone == phone}
        families |= {g.family_id for g in self.d.guardians.values() if g.phone == phone}
        wanted = last_name.strip().casefold()
        return [_c(s) for s in self.d.students.values()
                if s.family_id in families and s.birth_date == birth_date and s.erased_at is None
                and s.last_name.casefold() == wanted]

    async def add_consent(self, c: Consent) -> None:
        self.d.consents.append(c)

    async def consents_of(self, student_ids: Sequence[str]) -> dict[str, list[Consent]]:
        out: dict[str, list[Consent]] = {s: [] for s in student_ids}
        for c in sorted(self.d.consents, key=lambda c: c.given_at):
            if c.student_id in out:
                out[c.student_id].append(c)
        return out

    async def withdraw_consents(self, student_id: str, guardian_id: str | None, now: datetime) -> None:
        self.d.consents = [dataclasses.replace(c, withdrawn_at=now)
                           if c.student_id == student_id and c.withdrawn_at is None else c for c in self.d.consents]


class MemoryGuardians(_Repo):
    async def by_phone(self, phone: str) -> Guardian | None:
        return next((_c(g) for g in self.d.guardians.values() if g.phone == phone), None)

    async def by_email(self, email: str) -> list[Guardian]:
        return [_c(g) for g in self.d.guardians.values() if g.email == email]

    async def get(self, guardian_id: str) -> Guardian | None:
        return _c(self.d.guardians.get(guardian_id))

    async def of_families(self, family_ids: Sequence[str]) -> dict[str, list[Guardian]]:
        out: dict[str, list[Guardian]] = {f: [] for f in family_ids}
        for g in sorted(self.d.guardians.values(), key=lambda g: g.created_at):
            if g.family_id in out:
                out[g.family_id].append(_c(g))
        return out

    async def add(self, g: Guardian) -> None:
        self.d.guardians[g.id] = _c(g)

    async def save(self, g: Guardian) -> None:
        self.d.guardians[g.id] = _c(g)


class MemoryStudentLogins(_Repo):
    async def by_login(self, login: str) -> StudentLogin | None:
        return next((x for x in self.d.student_logins.values() if x.login == login), None)

    async def of_students(self, student_ids: Sequence[str]) -> dict[str, StudentLogin]:
        return {i: self.d.student_logins[i] for i in student_ids if i in self.d.student_logins}

    async def save(self, login: StudentLogin, now: datetime) -> None:
        self.d.student_logins[login.student_id] = login

    async def delete(self, student_id: str) -> None:
        self.d.student_logins.pop(student_id, None)


class MemoryBranches(_Repo):
    async def add(self, b: Branch) -> None:
        self.d.branches[b.id] = _c(b)

    async def save(self, b: Branch) -> None:
        self.d.branches[b.id] = _c(b)

    async def get(self, branch_id: str) -> Branch | None:
        return _c(self.d.branches.get(branch_id))

    async def by_ids(self, ids: Sequence[str]) -> dict[str, Branch]:
        return {i: _c(self.d.branches[i]) for i in ids if i in self.d.branches}

    async def all(self) -> list[Branch]:
        return sorted((_c(b) for b in self.d.branches.values()), key=lambda b: b.name)


class MemoryStaff(_Repo):
    async def add(self, s: Staff) -> None:
        self.d.staff[s.id] = _c(s)

    async def save_password(self, s: Staff) -> None:
        stored = self.d.staff[s.id]
        stored.password_hash, stored.email_confirmed_at = s.password_hash, s.email_confirmed_at

    async def by_email(self, email: str) -> Staff | None:
        return next((_c(s) for s in self.d.staff.values() if s.email == email), None)

    async def by_ids(self, ids: Sequence[str]) -> dict[str, Staff]:
        return {i: _c(self.d.staff[i]) for i in ids if i in self.d.staff}

    async def of_branch(self, branch_id: str) -> list[Staff]:
        return sorted((_c(s) for s in self.d.staff.values() if branch_id in s.branch_ids),
                      key=lambda s: (s.last_name, s.first_name))

    async def all(self) -> list[Staff]:
        return sorted((_c(s) for s in self.d.staff.values()), key=lambda s: (s.last_name, s.first_name))


class MemoryCodes(_Repo):
    async def add(self, c: OneTimeCode) -> None:
        self.d.codes.append(_c(c))

    async def latest(self, phone: str, purpose: str) -> OneTimeCode | None:
        found = sorted((c for c in self.d.codes if c.phone == phone and c.purpose == purpose),
                       key=lambda c: c.created_at)
        return _c(found[-1]) if found else None  # the newest; of equal times, the last added

    async def save(self, c: OneTimeCode) -> None:
        for stored in self.d.codes:
            if stored.id == c.id:
                stored.attempts, stored.used_at = c.attempts, c.used_at

    async def retire(self, phone: str, purpose: str, now: datetime) -> None:
        for c in self.d.codes:
            if c.phone == phone and c.purpose == purpose and c.used_at is None:
                c.used_at = now

    async def count_since(self, phone: str, since: datetime) -> int:
        return sum(1 for c in self.d.codes if c.phone == phone and c.created_at >= since)

    async def log_sms(self, phone: str, purpose: str, branch_id: str | None, cost: Decimal, currency: str,
                      client_ip: str | None, now: datetime, notification_id: str | None = None) -> None:
        self.d.sms.append(SmsRecord(phone, purpose, branch_id, cost, now, notification_id))

    async def charged_for(self, notification_id: str) -> bool:
        return any(r.notification_id == notification_id for r in self.d.sms)

    async def delete_old_sms(self, before: datetime, limit: int) -> int:
        old = sorted((r for r in self.d.sms if r.created_at < before and (
            r.notification_id is None or r.notification_id not in self.d.notifications)),
            key=lambda r: r.created_at)[:limit]
        self.d.sms = [r for r in self.d.sms if all(r is not o for o in old)]
        return len(old)

    async def add_to_day_total(self, day: date, key: str, cost: Decimal, *, max_sent: int | None = None,
                               max_cost: Decimal | None = None) -> bool:
        sent, spent = self.d.sms_totals.get((day, key), (0, Decimal(0)))
        if (max_sent is not None and sent + 1 > max_sent) or (max_cost is not None and spent + cost > max_cost):
            return False
        self.d.sms_totals[(day, key)] = (sent + 1, spent + cost)
        return True

    async def sent_on(self, day: date, key: str) -> int:
        return self.d.sms_totals.get((day, key), (0, Decimal(0)))[0]


class MemoryEmailLinks(_Repo):
    async def add(self, token_hash: str, purpose: str, subject_kind: str, subject_id: str, email: str,
                  now: datetime, expires_at: datetime) -> None:
        t = EmailToken(new_id(), purpose, subject_kind, subject_id, email, expires_at, None)
        self.d.email_links[t.id] = (token_hash, t)

    async def by_hash(self, token_hash: str) -> EmailToken | None:
        return next((_c(t) for h, t in self.d.email_links.values() if h == token_hash), None)

    async def use(self, token_id: str, now: datetime) -> None:
        self.d.email_links[token_id][1].used_at = now


class MemorySessions(_Repo):
    async def add(self, token_hash: str, chain_id: str, subject_kind: str, subject_id: str, now: datetime,
                  expires_at: datetime) -> None:
        t = RefreshToken(new_id(), chain_id, subject_kind, subject_id, expires_at, None, None)
        self.d.refresh[t.id] = (token_hash, t)

    async def by_hash(self, token_hash: str) -> RefreshToken | None:
        return next((_c(t) for h, t in self.d.refresh.values() if h == token_hash), None)

    async def mark_used(self, token_id: str, now: datetime) -> None:
        self.d.refresh[token_id][1].used_at = now

    async def revoke_chain(self, chain_id: str, now: datetime) -> None:
        for _, t in self.d.refresh.values():
            if t.chain_id == chain_id and t.revoked_at is None:
                t.revoked_at = now

    async def revoke_subject(self, subject_id: str, now: datetime) -> None:
        for _, t in self.d.refresh.values():
            if t.subject_id == subject_id and t.revoked_at is None:
                t.revoked_at = now


class MemoryThrottles(_Repo):
    async def hit(self, bucket: str, key: str, now: datetime) -> None:
        self.d.throttles.append((bucket, key, now))

    async def hits_since(self, bucket: str, key: str, since: datetime) -> int:
        return sum(1 for b, k, at in self.d.throttles if b == bucket and k == key and at >= since)


class MemoryKeys(_Repo):
    """The kit's KeyStore over this unit of work's copy: a claim goes away with a rollback, as in PostgreSQL
    (the kit's MemoryKeyStore keeps it)."""

    async def insert(self, scope: str, key: str, request_hash: str, at: datetime) -> StoredKey | None:
        found = self.d.idempotency.get((scope, key))
        if found is None:
            self.d.idempotency[(scope, key)] = StoredKey(request_hash, None)
        return found

    async def set_result(self, scope: str, key: str, result: str) -> None:
        self.d.idempotency[(scope, key)] = StoredKey(self.d.idempotency[(scope, key)].request_hash, result)


class MemoryConfirmations(_Repo):
    async def add(self, c: FamilyConfirmation) -> None:
        self.d.confirmations[c.id] = _c(c)

    async def get(self, confirmation_id: str, *, for_update: bool = False) -> FamilyConfirmation | None:
        return _c(self.d.confirmations.get(confirmation_id))

    async def save(self, c: FamilyConfirmation) -> None:
        self.d.confirmations[c.id] = _c(c)

    async def pending_of_family(self, family_id: str, now: datetime) -> list[FamilyConfirmation]:
        return sorted((_c(c) for c in self.d.confirmations.values() if c.family_id == family_id
                       and c.status is ConfirmationStatus.PENDING and c.expires_at > now),
                      key=lambda c: c.created_at)

    async def count_since(self, family_id: str, since: datetime) -> int:
        return sum(1 for c in self.d.confirmations.values() if c.family_id == family_id and c.created_at >= since)


class MemoryQuestions(_Repo):
    async def topic(self, code: str, branch_id: str) -> Topic | None:
        return self.d.topics.get((branch_id, code)) or self.d.topics.get((SCHOOL_WIDE, code))

    async def topics(self, branch_id: str | None) -> list[Topic]:
        chosen = {code: t for (scope, code), t in self.d.topics.items() if scope == SCHOOL_WIDE}
        chosen |= {code: t for (scope, code), t in self.d.topics.items() if branch_id and scope == branch_id}
        return [chosen[k] for k in sorted(chosen)]

    async def set_topic(self, t: Topic) -> None:
        self.d.topics[(t.branch_id or SCHOOL_WIDE, t.code)] = t

    async def add(self, q: Question) -> None:
        self.d.questions[q.id] = _c(q)

    async def save(self, q: Question) -> None:
        self.d.questions[q.id] = _c(q)

    async def get(self, question_id: str, *, for_update: bool = False) -> Question | None:
        return _c(self.d.questions.get(question_id))

    def open_of_branch(self, branch_id: str) -> list[Question]:
        return [q for q in self.d.questions.values() if q.branch_id == branch_id and q.status is QuestionStatus.OPEN]


class MemoryTeachings(_Repo):
    async def record(self, pairs: Iterable[tuple[str, str]], now: datetime) -> None:
        self.d.teachings |= set(pairs)

    async def taught_by(self, teacher_id: str, student_ids: Sequence[str]) -> set[str]:
        return {s for t, s in self.d.teachings if t == teacher_id and s in student_ids}

    async def students_of_teacher(self, teacher_id: str) -> list[str]:
        return sorted(s for t, s in self.d.teachings if t == teacher_id)


class MemoryNotifications(_Repo):
    async def add(self, rows: Sequence[Notification]) -> int:
        keys = {(n.event_id, n.kind, n.guardian_id, n.channel) for n in self.d.notifications.values()}
        new = [n for n in rows if (n.event_id, n.kind, n.guardian_id, n.channel) not in keys]
        self.d.notifications.update((n.id, _c(n)) for n in new)
        return len(new)

    async def preferences(self, guardian_ids: Sequence[str]) -> dict[str, Preferences]:
        return {g: self.d.notify_prefs.get(g) or Preferences(g) for g in guardian_ids}

    async def save_preferences(self, p: Preferences, now: datetime) -> None:
        self.d.notify_prefs[p.guardian_id] = p

    async def remember_lesson(self, lesson_id: str, student_ids: Sequence[str], branch_id: str | None,
                              starts_at: datetime | None, ends_at: datetime | None) -> None:
        for s in student_ids:
            self.d.notify_lessons.setdefault((lesson_id, s), (starts_at, ends_at))

    async def move_lesson(self, lesson_id: str, starts_at: datetime, ends_at: datetime) -> None:
        for key in self.d.notify_lessons:
            if key[0] == lesson_id:
                self.d.notify_lessons[key] = (starts_at, ends_at)

    async def forget_student(self, lesson_id: str, student_id: str) -> None:
        self.d.notify_lessons.pop((lesson_id, student_id), None)

    async def lesson_students(self, lesson_id: str) -> tuple[list[str], datetime | None]:
        mine = sorted((s, at) for (lesson, s), (at, _) in self.d.notify_lessons.items() if lesson == lesson_id)
        return [s for s, _ in mine], next((at for _, at in mine if at), None)

    async def of_guardian(self, guardian_id: str, channel: Channel, before: tuple[datetime, str] | None,
                          limit: int) -> list[Notification]:
        mine = sorted((n for n in self.d.notifications.values() if n.guardian_id == guardian_id
                       and n.channel is channel and (before is None or (n.created_at, n.id) < before)),
                      key=lambda n: (n.created_at, n.id), reverse=True)
        return [_c(n) for n in mine[:limit]]

    async def unread(self, guardian_id: str, channel: Channel) -> int:
        return sum(1 for n in self.d.notifications.values()
                   if n.guardian_id == guardian_id and n.channel is channel and n.read_at is None)

    async def mark_read(self, guardian_id: str, ids: Sequence[str] | None, now: datetime) -> int:
        mine = [n for n in self.d.notifications.values() if n.guardian_id == guardian_id and n.read_at is None
                and (ids is None or n.id in ids)]
        for n in mine:
            n.read_at = now
        return len(mine)

    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[Notification]:
        due = sorted((n for n in self.d.notifications.values() if n.status is Status.PENDING
                      and n.next_attempt_at is not None and n.next_attempt_at <= now),
                     key=lambda n: (n.next_attempt_at or now, n.id))[:limit]
        for n in due:
            n.attempts += 1
            n.next_attempt_at = now + lease
        return [_c(n) for n in due]

    async def delete_old(self, before: datetime, limit: int) -> int:
        done = sorted((n for n in self.d.notifications.values() if n.created_at < before and (
            (n.channel is Channel.CABINET and n.read_at is not None and n.read_at < before)
            or (n.channel is not Channel.CABINET and n.status is Status.SENT and n.sent_at is not None
                and n.sent_at < before))), key=lambda n: (n.created_at, n.id))[:limit]
        for n in done:
            del self.d.notifications[n.id]
        return len(done)

    async def forget_lessons_ended(self, before: datetime, limit: int) -> int:
        ended = sorted((ends, key) for key, (_, ends) in self.d.notify_lessons.items()
                       if ends is not None and ends < before)[:limit]
        for _, key in ended:
            del self.d.notify_lessons[key]
        return len(ended)

    async def save_delivery(self, n: Notification) -> bool:
        stored = self.d.notifications.get(n.id)
        if stored is None or stored.attempts != n.attempts or stored.status is not Status.PENDING:
            return False
        self.d.notifications[n.id] = _c(n)
        return True


class MemoryMessengers(_Repo):
    async def chats(self, messenger: str, person_ids: Sequence[str]) -> dict[str, str]:
        return {p: c for (m, p), c in self.d.messenger_links.items() if m == messenger and p in person_ids}

    async def link(self, messenger: str, person_id: str, chat_id: str, now: datetime) -> None:
        self.d.messenger_links[(messenger, person_id)] = chat_id

    async def unlink(self, messenger: str, person_id: str) -> bool:
        return self.d.messenger_links.pop((messenger, person_id), None) is not None

    async def add_code(self, messenger: str, person_id: str, code_hash: str, expires_at: datetime) -> None:
        for key, (p, _) in list(self.d.messenger_codes.items()):
            if key[0] == messenger and p == person_id:
                del self.d.messenger_codes[key]
        self.d.messenger_codes[(messenger, code_hash)] = (person_id, expires_at)

    async def take_code(self, messenger: str, code_hash: str, now: datetime) -> str | None:
        got = self.d.messenger_codes.pop((messenger, code_hash), None)
        return got[0] if got is not None and got[1] > now else None


class MemoryWebPush(_Repo):
    async def of_person(self, person_id: str) -> list[PushSubscription]:
        return [sub for sub, p in self.d.web_push.values() if p == person_id]

    async def people_with(self, person_ids: Sequence[str]) -> set[str]:
        return {p for _, p in self.d.web_push.values() if p in person_ids}

    async def count(self, person_id: str) -> int:
        return len(await self.of_person(person_id))

    async def owner(self, endpoint: str) -> str | None:
        got = self.d.web_push.get(endpoint)
        return got[1] if got is not None else None

    async def add(self, person_id: str, sub: PushSubscription, now: datetime) -> None:
        self.d.web_push[sub.endpoint] = (sub, person_id)

    async def remove(self, endpoint: str, person_id: str | None = None) -> bool:
        if person_id is not None and await self.owner(endpoint) != person_id:
            return False
        return self.d.web_push.pop(endpoint, None) is not None


# -- the unit of work --------------------------------------------------------------------------------------
class MemoryUnitOfWork:
    def __init__(self, store: MemoryStore, ports: IdentityPorts) -> None:
        self.store = store
        self.ports = ports
        self._work = _c(store.data)
        self._pending: list[EventContract] = []
        d = self._work
        self.families = MemoryFamilies(d)
        self.students = MemoryStudents(d)
        self.guardians = MemoryGuardians(d)
        self.student_logins = MemoryStudentLogins(d)
        self.branches = MemoryBranches(d)
        self.staff = MemoryStaff(d)
        self.codes = MemoryCodes(d)
        self.email_links = MemoryEmailLinks(d)
        self.sessions = MemorySessions(d)
        self.throttles = MemoryThrottles(d)
        self.child_requests = Idempotency(MemoryKeys(d), str, clock=ports.clock)
        self.confirmations = MemoryConfirmations(d)
        self.questions = MemoryQuestions(d)
        self.teachings = MemoryTeachings(d)
        self.notifications = MemoryNotifications(d)
        self.messengers = MemoryMessengers(d)
        self.web_push = MemoryWebPush(d)

    async def __aenter__(self) -> MemoryUnitOfWork:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._pending.clear()  # what was not committed is forgotten

    async def commit(self) -> None:
        self.store.data = _c(self._work)
        self.store.published.extend(self._pending)
        self.store.commits += 1
        self._pending = []

    def publish(self, event: EventContract) -> EventContract:
        self._pending.append(event)
        return event


# -- ports -------------------------------------------------------------------------------------------------
class FakeHasher:
    """Not argon2: a readable stand-in (the hashing itself is argon2's, tested with the real adapter)."""

    async def hash(self, password: str) -> str:
        return f"hashed:{password}"

    async def verify(self, stored: str | None, password: str) -> bool:
        return stored is not None and stored == f"hashed:{password}"

    def needs_rehash(self, stored: str) -> bool:
        return False


class FakeIssuer:
    ttl_s = 45

    def __init__(self) -> None:
        self.issued: list[Principal] = []

    def issue(self, principal: Principal) -> str:
        self.issued.append(principal)
        return f"access-{len(self.issued)}-{principal.user_id}"


@dataclass(frozen=True)
class Sent:
    channel: str
    to: str
    text: str
    subject: str = ""


class Outbox:
    """Both senders: every SMS and email the use cases hand over (after their commit)."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []

    async def send_sms(self, phone: str, text: str) -> None:
        self.sent.append(Sent("sms", phone, text))

    async def send_email(self, to: str, subject: str, text: str) -> None:
        self.sent.append(Sent("email", to, text, subject))

    def to(self, address: str) -> list[Sent]:
        return [m for m in self.sent if m.to == address]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


PEPPER = b"unit-test-pepper"


@dataclass
class World:
    """A store, the ports, and a factory of units of work over them."""

    store: MemoryStore
    ports: IdentityPorts
    outbox: Outbox
    clock: Clock
    issuer: FakeIssuer

    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store, self.ports)

    @property
    def data(self) -> MemoryData:
        return self.store.data


def make_world(*, fixed_code: str | None = "123456", limits: SmsLimits | None = None) -> World:
    """``fixed_code``: every SMS code is this value (as the development mailbox allows), so a test can type it."""
    settings = IdentitySettings(dev_fixed_code=fixed_code, public_url="https://kabinet.test")
    outbox, clock, issuer = Outbox(), Clock(datetime(2025, 6, 2, 9, 0, tzinfo=UTC)), FakeIssuer()
    ports = IdentityPorts(settings, issuer, FakeHasher(), outbox, outbox, PEPPER, limits or SmsLimits(),
                          sms_is_dev_mailbox=fixed_code is not None, clock=clock)
    return World(MemoryStore(), ports, outbox, clock, issuer)
