"""Leads' domain rules without I/O (R-CRM-1, R-CRM-2): details, the pipeline's moves, revisions, the funnel."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from identity.domain.errors import InvalidChildAge, InvalidLeadTransition, LostReasonRequired, StaleLeadRevision
from identity.domain.leads import Funnel, Lead, LeadDetails, LeadSource, LeadStage, month_bounds
from kabinet.errors import InvalidInput
from kabinet.phone import InvalidPhone

TODAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 7, 10, tzinfo=UTC)


def details(**over: object) -> LeadDetails:
    fields: dict[str, object] = dict(contact_first_name="Irina", contact_last_name=None, phone="8 912 345 67 01",
                                     email=None, child_first_name="Misha", child_last_name=None,
                                     child_birth_date="2016-12-08", child_age=None, interest="English",
                                     source=LeadSource.CALL, source_detail=None, assigned_staff_id=None, notes=None,
                                     today=TODAY)
    return LeadDetails.parse(**(fields | over))  # type: ignore[arg-type]


def test_details_keep_the_phone_in_e164_and_derive_the_age_from_the_birth_date() -> None:
    d = details()
    assert d.phone == "+79123456701" and d.child_age == 9  # ten the day after
    assert details(child_birth_date=None, child_age=7).child_age == 7
    for bad in ({"child_birth_date": None}, {"child_birth_date": None, "child_age": 0}):
        with pytest.raises(InvalidChildAge):
            details(**bad)
    with pytest.raises(InvalidPhone):
        details(phone="123")


def test_a_lead_moves_forward_or_is_lost_with_a_reason_and_each_change_bumps_the_revision() -> None:
    lead = Lead.create("b1", details(), "admin", NOW)
    with pytest.raises(StaleLeadRevision):
        lead.move(LeadStage.CONTACTED, "admin", NOW, expected_revision=2)
    lead.move(LeadStage.TRIAL_BOOKED, "admin", NOW, 1)
    for stage in (LeadStage.NEW, LeadStage.CONTACTED, LeadStage.TRIAL_BOOKED, LeadStage.WON):
        with pytest.raises(InvalidLeadTransition):
            lead.move(stage, "admin", NOW, 2)
    with pytest.raises(LostReasonRequired):
        lead.move(LeadStage.LOST, "admin", NOW, 2, " ")
    lead.move(LeadStage.LOST, "admin", NOW, 2, "price")
    assert (lead.stage, lead.revision, lead.lost_from, lead.furthest_stage) == (
        LeadStage.LOST, 3, LeadStage.TRIAL_BOOKED, LeadStage.TRIAL_BOOKED)
    with pytest.raises(InvalidLeadTransition):
        lead.win("f", "s", "admin", NOW, 3)
    assert [(c.from_stage, c.to_stage) for c in lead.history] == [
        (None, LeadStage.NEW), (LeadStage.NEW, LeadStage.TRIAL_BOOKED), (LeadStage.TRIAL_BOOKED, LeadStage.LOST)]


def test_the_funnel_counts_every_stage_up_to_the_furthest_and_groups_reasons() -> None:
    made = [Lead.create("b1", details(), "a", NOW + timedelta(minutes=i)) for i in range(4)]
    made[0].win("f", "s", "a", NOW, 1)
    made[1].move(LeadStage.CONTACTED, "a", NOW, 1)
    made[1].move(LeadStage.LOST, "a", NOW, 2, "Price")
    made[2].move(LeadStage.LOST, "a", NOW, 1, " price ")
    funnel = Funnel.of("b1", "2026-12", made)
    assert [r.reached for r in funnel.stages] == [4, 2, 1, 1, 1]
    assert (funnel.created, funnel.won, funnel.lost, funnel.conversion) == (4, 1, 2, 0.25)
    assert [(r.reason, r.count) for r in funnel.lost_reasons] == [("Price", 2)]
    assert Funnel.of("b1", "2026-12", []).conversion == 0


@pytest.mark.parametrize("bad", ["2026", "2026-13", "December", "2026-12-01", ""])
def test_a_month_is_yyyy_mm(bad: str) -> None:
    assert month_bounds("2026-12") == (date(2026, 12, 1), date(2027, 1, 1))
    with pytest.raises(InvalidInput):
        month_bounds(bad)
