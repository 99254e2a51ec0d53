"""Leads and their history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, func, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.adapters.tables import lead_changes, leads
from identity.domain.errors import StaleLeadRevision
from identity.domain.leads import Lead, LeadChange, LeadDetails, LeadSearch, LeadSource, LeadStage
from kabinet.db.any_of import any_of


def _details_values(d: LeadDetails) -> dict[str, Any]:
    return {"contact_first_name": d.contact_first_name, "contact_last_name": d.contact_last_name, "phone": d.phone,
            "email": d.email, "child_first_name": d.child_first_name, "child_last_name": d.child_last_name,
            "child_birth_date": d.child_birth_date, "child_age": d.child_age, "interest": d.interest,
            "source": d.source.value, "source_detail": d.source_detail, "assigned_staff_id": d.assigned_staff_id,
            "notes": d.notes, "search_names": d.search_names}


def _state_values(lead: Lead) -> dict[str, Any]:
    return {"stage": lead.stage.value, "revision": lead.revision, "lost_reason": lead.lost_reason,
            "lost_from": lead.lost_from.value if lead.lost_from else None, "family_id": lead.family_id,
            "student_id": lead.student_id, "updated_at": lead.updated_at}


def _lead(r: Row[Any]) -> Lead:
    details = LeadDetails(r.contact_first_name, r.contact_last_name, r.phone, r.email, r.child_first_name,
                          r.child_last_name, r.child_birth_date, r.child_age, r.interest, LeadSource(r.source),
                          r.source_detail, r.assigned_staff_id, r.notes)
    return Lead(r.id, r.branch_id, details, r.created_by, r.created_at, r.updated_at, LeadStage(r.stage), r.revision,
                r.lost_reason, LeadStage(r.lost_from) if r.lost_from else None, r.family_id, r.student_id)


def _change(r: Row[Any]) -> LeadChange:
    return LeadChange(r.id, r.lead_id, r.at, r.by, LeadStage(r.from_stage) if r.from_stage else None,
                      LeadStage(r.to_stage), r.note)


class SqlLeadRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, lead: Lead) -> None:
        await self.session.execute(insert(leads).values(
            id=lead.id, branch_id=lead.branch_id, created_by=lead.created_by, created_at=lead.created_at,
            **_details_values(lead.details), **_state_values(lead)))
        await self._add_changes(lead)

    async def save(self, lead: Lead, previous_revision: int) -> None:
        """Written only over the revision it was read at: a concurrent change in between is refused."""
        result = await self.session.execute(
            update(leads).where(leads.c.id == lead.id, leads.c.revision == previous_revision)
            .values(**_details_values(lead.details), **_state_values(lead)))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleLeadRevision(field="expectedRevision")
        await self._add_changes(lead)

    async def _add_changes(self, lead: Lead) -> None:
        known = {r.id for r in (await self.session.execute(
            select(lead_changes.c.id).where(lead_changes.c.lead_id == lead.id))).all()}
        new = [c for c in lead.history if c.id not in known]
        if new:
            await self.session.execute(insert(lead_changes), [
                {"id": c.id, "lead_id": c.lead_id, "at": c.at, "by": c.by,
                 "from_stage": c.from_stage.value if c.from_stage else None, "to_stage": c.to_stage.value,
                 "note": c.note[:600]} for c in new])

    async def get(self, lead_id: str, *, for_update: bool = False) -> Lead | None:
        stmt = select(leads).where(leads.c.id == lead_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).first()
        if row is None:
            return None
        lead = _lead(row)
        lead.history = (await self.histories([lead.id]))[lead.id]
        return lead

    async def histories(self, lead_ids: Sequence[str]) -> dict[str, list[LeadChange]]:
        found: dict[str, list[LeadChange]] = {i: [] for i in lead_ids}
        rows = (await self.session.execute(select(lead_changes).where(any_of(lead_changes.c.lead_id, lead_ids))
                                           .order_by(lead_changes.c.at, lead_changes.c.id))).all()
        for r in rows:
            found[r.lead_id].append(_change(r))
        return found

    async def of_branch(self, branch_id: str, *, created_from: datetime | None = None,
                        created_before: datetime | None = None, with_history: bool = True) -> list[Lead]:
        """The branch's leads, newest first (with their histories unless told not to)."""
        stmt = select(leads).where(leads.c.branch_id == branch_id)
        if created_from is not None:
            stmt = stmt.where(leads.c.created_at >= created_from)
        if created_before is not None:
            stmt = stmt.where(leads.c.created_at < created_before)
        return await self._with_histories(stmt.order_by(*_NEWEST_FIRST), with_history)

    async def page_of_branch(self, branch_id: str, stage: LeadStage | None, search: LeadSearch | None,
                             after: tuple[datetime, str] | None, limit: int) -> list[Lead]:
        """One page, newest first, after the keyset position ``after`` (created_at, id), with histories."""
        stmt = select(leads).where(*_matching(branch_id, stage, search))
        if after is not None:
            stmt = stmt.where(tuple_(leads.c.created_at, leads.c.id) < tuple_(*after))
        return await self._with_histories(stmt.order_by(*_NEWEST_FIRST).limit(limit), True)

    async def count_of_branch(self, branch_id: str, stage: LeadStage | None, search: LeadSearch | None) -> int:
        stmt = select(func.count()).select_from(leads).where(*_matching(branch_id, stage, search))
        return int((await self.session.execute(stmt)).scalar_one())

    async def _with_histories(self, stmt: Select[Any], with_history: bool) -> list[Lead]:
        found = [_lead(r) for r in (await self.session.execute(stmt)).all()]
        histories = await self.histories([lead.id for lead in found]) if found and with_history else {}
        for lead in found:
            lead.history = histories.get(lead.id, [])
        return found


# Newest first; the id breaks ties so the keyset order is total.
_NEWEST_FIRST = (leads.c.created_at.desc(), leads.c.id.desc())


def _like_part(text: str) -> str:
    """'%text%' with LIKE's own characters taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _matching(branch_id: str, stage: LeadStage | None, search: LeadSearch | None) -> list[ColumnElement[bool]]:
    """The branch's leads (of the stage) the search finds: the branch and stage narrow by index first
    (ix_leads_branch_stage_created, ix_leads_branch_created), then the names and numbers are compared."""
    where: list[ColumnElement[bool]] = [leads.c.branch_id == branch_id]
    if stage is not None:
        where.append(leads.c.stage == stage.value)
    if search is None:
        return where
    if search.phone is not None:
        where.append(leads.c.phone == search.phone)
    if search.digits is not None:
        where.append(leads.c.phone.like(_like_part(search.digits), escape="\\"))
    # Names compare as stored in search_names (folded in Python: no lower() in SQL, the same on SQLite).
    where.extend(leads.c.search_names.like(_like_part(word), escape="\\") for word in search.words)
    return where
