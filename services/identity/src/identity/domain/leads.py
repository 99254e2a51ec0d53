"""Leads (R-CRM-1, R-CRM-2): a potential student, the adult to call about them, and where they are in the
pipeline new -> contacted -> trial booked -> trial attended -> won, or lost (with a reason) from any open stage.

A lead only moves forward (a stage may be skipped: a walk-in books a trial at once); won and lost are final.
Every change names the revision it was made on: a change made on an older one is refused, so two admins
never overwrite each other silently. Every change is kept as a ``LeadChange`` (who, when, from -> to)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from identity.domain.errors import (
    InvalidChildAge,
    InvalidLeadTransition,
    LostReasonRequired,
    StaleLeadRevision,
)
from identity.domain.model import clean_name, new_id, normalise_email, parse_birth_date
from kabinet.errors import InvalidInput
from kabinet.phone import InvalidPhone, normalise_phone

MAX_TEXT = 2000
MAX_AGE = 25
MAX_SEARCH = 100
_LETTER = re.compile(r"[^\W\d_]")


class LeadStage(StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    TRIAL_BOOKED = "trial_booked"
    TRIAL_ATTENDED = "trial_attended"
    WON = "won"
    LOST = "lost"


# The pipeline in order; LOST is off it (reached from any open stage).
PIPELINE = (LeadStage.NEW, LeadStage.CONTACTED, LeadStage.TRIAL_BOOKED, LeadStage.TRIAL_ATTENDED, LeadStage.WON)
OPEN_STAGES = frozenset(PIPELINE[:-1])


class LeadSource(StrEnum):
    SITE = "site"
    CALL = "call"
    WALK_IN = "walk_in"
    REFERRAL = "referral"
    SOCIAL = "social"
    OTHER = "other"


def _text(value: str | None, field_name: str, limit: int = MAX_TEXT) -> str:
    cleaned = (value or "").strip()
    if len(cleaned) > limit:
        raise InvalidInput(f"At most {limit} characters.", field=field_name)
    return cleaned


def _optional_name(value: str | None, field_name: str) -> str:
    return clean_name(value, field_name) if value and value.strip() else ""


@dataclass(frozen=True)
class LeadDetails:
    """What staff write about a lead, validated: the phone in E.164, names cleaned, the child's age or birth date."""

    contact_first_name: str
    contact_last_name: str
    phone: str
    email: str | None
    child_first_name: str
    child_last_name: str
    child_birth_date: date | None
    child_age: int | None
    interest: str
    source: LeadSource
    source_detail: str
    assigned_staff_id: str | None
    notes: str

    @property
    def search_names(self) -> str:
        """The contact's and the child's names as one text the search finds words in (stored with the lead)."""
        return " ".join(search_key(n) for n in (self.contact_first_name, self.contact_last_name,
                                                self.child_first_name, self.child_last_name) if n)

    @classmethod
    def parse(cls, *, contact_first_name: str, contact_last_name: str | None, phone: str, email: str | None,
              child_first_name: str, child_last_name: str | None, child_birth_date: str | None,
              child_age: int | None, interest: str | None, source: LeadSource, source_detail: str | None,
              assigned_staff_id: str | None, notes: str | None, today: date) -> LeadDetails:
        birth = parse_birth_date(child_birth_date, today) if child_birth_date else None
        if birth is None and child_age is None:
            raise InvalidChildAge(field="childAge")
        if child_age is not None and not 1 <= child_age <= MAX_AGE:
            raise InvalidChildAge(field="childAge")
        if birth is not None:  # the birth date is the truth; the age follows it
            child_age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
        return cls(clean_name(contact_first_name, "contactFirstName"),
                   _optional_name(contact_last_name, "contactLastName"),
                   normalise_phone(phone), normalise_email(email) if email and email.strip() else None,
                   clean_name(child_first_name, "childFirstName"), _optional_name(child_last_name, "childLastName"),
                   birth, child_age, _text(interest, "interest", 500), source,
                   _text(source_detail, "sourceDetail", 200), assigned_staff_id, _text(notes, "notes"))


def search_key(text: str) -> str:
    """A name as the search compares it: lower case (Python's, the same on PostgreSQL and SQLite, whose lower()
    knows only ASCII), ё read as е (Артём is found as Артем)."""
    return text.lower().replace("ё", "е")


@dataclass(frozen=True)
class LeadSearch:
    """What an admin typed in the leads' search box: a whole phone number in any spelling (normalised like the
    stored ones, so it matches exactly), a part of one (its digits, found anywhere in the number), or words, each
    found (any case) in some name of the contact's or the child's."""

    phone: str | None = None
    digits: str | None = None
    words: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str | None) -> LeadSearch | None:
        """None for a blank box (no search)."""
        cleaned = " ".join((text or "").split())
        if len(cleaned) > MAX_SEARCH:
            raise InvalidInput(f"Search for at most {MAX_SEARCH} characters.", field="search")
        if not cleaned:
            return None
        if not _LETTER.search(cleaned) and any(c.isdigit() for c in cleaned):
            try:
                return cls(phone=normalise_phone(cleaned))
            except InvalidPhone:
                return cls(digits="".join(c for c in cleaned if c.isdigit()))
        return cls(words=tuple(search_key(cleaned).split()))


@dataclass(frozen=True)
class LeadChange:
    """One entry of a lead's history: ``from_stage`` None when it was created; the same stage for an edit."""

    id: str
    lead_id: str
    at: datetime
    by: str
    from_stage: LeadStage | None
    to_stage: LeadStage
    note: str = ""


@dataclass
class Lead:
    id: str
    branch_id: str
    details: LeadDetails
    created_by: str
    created_at: datetime
    updated_at: datetime
    stage: LeadStage = LeadStage.NEW
    revision: int = 1
    lost_reason: str | None = None
    lost_from: LeadStage | None = None  # the stage it was lost at (the funnel counts it as reached)
    family_id: str | None = None
    student_id: str | None = None
    history: list[LeadChange] = field(default_factory=list)

    @classmethod
    def create(cls, branch_id: str, details: LeadDetails, by: str, now: datetime) -> Lead:
        lead = cls(new_id(), branch_id, details, by, now, now)
        lead._record(by, now, None, LeadStage.NEW, "created")
        return lead

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def furthest_stage(self) -> LeadStage:
        """The furthest pipeline stage it reached (a lost lead: where it was lost)."""
        return (self.lost_from or LeadStage.NEW) if self.stage is LeadStage.LOST else self.stage

    def check_revision(self, expected: int) -> None:
        if expected != self.revision:
            raise StaleLeadRevision(field="expectedRevision")

    def _record(self, by: str, now: datetime, from_stage: LeadStage | None, to_stage: LeadStage,
                note: str) -> LeadChange:
        change = LeadChange(new_id(), self.id, now, by, from_stage, to_stage, note)
        self.history.append(change)
        self.updated_at = now
        return change

    def _changed(self, expected_revision: int) -> None:
        self.check_revision(expected_revision)
        self.revision += 1

    def edit(self, details: LeadDetails, by: str, now: datetime, expected_revision: int) -> LeadChange:
        if not self.is_open:
            raise InvalidLeadTransition(field="leadId")
        self._changed(expected_revision)
        changed = sorted(k for k in vars(details) if getattr(details, k) != getattr(self.details, k))
        self.details = details
        return self._record(by, now, self.stage, self.stage, "edited: " + ", ".join(changed) if changed else "edited")

    def move(self, to: LeadStage, by: str, now: datetime, expected_revision: int,
             reason: str | None = None) -> LeadChange:
        """Forward along the pipeline, or lost (a reason required); never back, never out of won or lost.
        Winning is ``win`` (it needs the client and student it became)."""
        self.check_revision(expected_revision)
        if not self.is_open or to in (LeadStage.WON, LeadStage.NEW):
            raise InvalidLeadTransition(field="stage")
        note = ""
        if to is LeadStage.LOST:
            note = _text(reason, "lostReason", 500)
            if not note:
                raise LostReasonRequired(field="lostReason")
            self.lost_reason, self.lost_from = note, self.stage
        elif PIPELINE.index(to) <= PIPELINE.index(self.stage):
            raise InvalidLeadTransition(field="stage")
        from_stage = self.stage
        self._changed(expected_revision)
        self.stage = to
        return self._record(by, now, from_stage, to, note)

    def check_winnable(self, expected_revision: int) -> None:
        self.check_revision(expected_revision)
        if not self.is_open:
            raise InvalidLeadTransition(field="leadId")

    def win(self, family_id: str, student_id: str, by: str, now: datetime, expected_revision: int) -> LeadChange:
        self.check_winnable(expected_revision)
        from_stage = self.stage
        self._changed(expected_revision)
        self.stage, self.family_id, self.student_id = LeadStage.WON, family_id, student_id
        return self._record(by, now, from_stage, LeadStage.WON, "")

    def note_pending(self, by: str, now: datetime, confirmation_id: str) -> LeadChange:
        """Winning into a family of another branch waits for its guardian: recorded, the stage unchanged."""
        return self._record(by, now, self.stage, self.stage, f"family asked to confirm ({confirmation_id})")


@dataclass(frozen=True)
class LeadWinRecord:
    """What winning a lead did, kept with its idempotency key: a retry answers the same."""

    lead_id: str
    family_id: str | None = None
    student_id: str | None = None
    confirmation_id: str | None = None  # the family of another branch was asked first
    confirmation_expires_at: datetime | None = None


@dataclass(frozen=True)
class FunnelRow:
    stage: LeadStage
    reached: int


@dataclass(frozen=True)
class LostReasonCount:
    reason: str
    count: int


@dataclass(frozen=True)
class Funnel:
    """One branch's leads created in one month: how many reached each stage, won, lost and why."""

    branch_id: str
    month: str  # YYYY-MM
    created: int
    stages: tuple[FunnelRow, ...]
    won: int
    lost: int
    lost_reasons: tuple[LostReasonCount, ...]

    @property
    def conversion(self) -> float:
        """Won / created (0 for a month without leads)."""
        return self.won / self.created if self.created else 0.0

    @classmethod
    def of(cls, branch_id: str, month: str, leads: list[Lead]) -> Funnel:
        reached = [0] * len(PIPELINE)
        reasons: dict[str, tuple[str, int]] = {}
        for lead in sorted(leads, key=lambda x: x.created_at):  # the oldest spelling of a reason names it
            for i in range(PIPELINE.index(lead.furthest_stage) + 1):
                reached[i] += 1
            if lead.stage is LeadStage.LOST and lead.lost_reason:
                # Reasons typed differently by case or spacing are one reason.
                key = " ".join(lead.lost_reason.split()).casefold()
                shown, n = reasons.get(key, (" ".join(lead.lost_reason.split()), 0))
                reasons[key] = (shown, n + 1)
        return cls(branch_id, month, len(leads), tuple(FunnelRow(s, n) for s, n in zip(PIPELINE, reached, strict=True)),
                   sum(1 for lead in leads if lead.stage is LeadStage.WON),
                   sum(1 for lead in leads if lead.stage is LeadStage.LOST),
                   tuple(LostReasonCount(s, n) for s, n in sorted(reasons.values(), key=lambda r: (-r[1], r[0]))))


def month_bounds(month: str) -> tuple[date, date]:
    """'2026-12' -> (2026-12-01, 2027-01-01)."""
    try:
        year, mon = (int(p) for p in month.split("-"))
        start = date(year, mon, 1)
    except ValueError as exc:
        raise InvalidInput("Give the month as YYYY-MM.", field="month") from exc
    end = date(year + 1, 1, 1) if mon == 12 else date(year, mon + 1, 1)
    return start, end
