"""The SMS log's retention is checked when identity starts: shorter than the SMS caps' longest window is refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from identity.settings import IdentitySettings


@pytest.mark.parametrize("days", [-1, -180])
def test_an_sms_retention_shorter_than_the_caps_windows_is_refused_by_name(days: int) -> None:
    with pytest.raises(ValidationError) as refused:
        IdentitySettings(sms_retention_days=days)
    assert "IDENTITY_SMS_RETENTION_DAYS" in str(refused.value) and "1 day" in str(refused.value)


@pytest.mark.parametrize("days", [0, 1, 180])
def test_an_sms_retention_of_a_day_or_more_or_for_ever_is_taken(days: int) -> None:
    assert IdentitySettings(sms_retention_days=days).sms_retention_days == days


def test_the_sms_log_is_kept_half_a_year_by_default() -> None:
    assert IdentitySettings().sms_retention_days == 180
