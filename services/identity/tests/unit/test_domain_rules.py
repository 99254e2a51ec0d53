"""Identity's domain rules without I/O: birth dates (R-FAM-3), one-time codes, deadlines (R-CAB-2), erasure."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

import pytest

from identity.domain import credentials
from identity.domain.credentials import CODE_MAX_ATTEMPTS, CODE_TTL, OneTimeCode, generate_code, hash_secret
from identity.domain.errors import InvalidBirthDate, InvalidEmail, InvalidTimeZone, WeakPassword
from identity.domain.model import Branch, Family, Student, check_password, normalise_email, parse_birth_date
from identity.domain.questions import Question, Topic, add_working_days
from kabinet.errors import InvalidInput

TODAY = date(2025, 6, 1)
PEPPER = b"pepper"


@pytest.mark.parametrize("raw", ["2015-02-30", "2015-13-01", "2015-00-10", "2015-02", "2015", "15-02-01",
                                 "2015/02/01", "01.02.2015", "", "2026-01-01", "1900-01-01"])
def test_a_birth_date_is_whole_real_and_past(raw: str) -> None:
    with pytest.raises(InvalidBirthDate) as err:
        parse_birth_date(raw, TODAY)
    assert err.value.code == "INVALID_BIRTH_DATE" and err.value.field == "birthDate"


def test_a_leap_day_is_a_real_date() -> None:
    assert parse_birth_date(" 2016-02-29 ", TODAY) == date(2016, 2, 29)


def test_email_password_and_time_zone_rules() -> None:
    assert normalise_email(" Anna@Example.COM ") == "anna@example.com"
    for bad in ("anna", "anna@", "anna@example", "a b@example.com"):
        with pytest.raises(InvalidEmail):
            normalise_email(bad)
    with pytest.raises(WeakPassword):
        check_password("short")
    with pytest.raises(InvalidTimeZone):
        Branch.create("B", "C", "Europe/Atlantis", "")


def test_codes_are_six_digits_from_the_os_csprng(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def fake_randbelow(n: int) -> int:
        calls.append(n)
        return 42

    monkeypatch.setattr(secrets, "randbelow", fake_randbelow)
    assert generate_code() == "000042" and calls == [1_000_000]
    monkeypatch.undo()
    codes = {credentials.generate_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes) and len(codes) > 150


def _code(now: datetime, value: str = "123456") -> OneTimeCode:
    return OneTimeCode("id", "+79160000000", "sign_in", hash_secret(PEPPER, value), now, now + CODE_TTL)


def test_a_code_works_once_and_expires_after_ten_minutes() -> None:
    now = datetime(2025, 6, 1, 12, tzinfo=UTC)
    code = _code(now)
    assert code.code_hash != "123456"
    assert code.try_code(PEPPER, "123456", now) is True
    assert code.try_code(PEPPER, "123456", now) is False
    late = _code(now)
    assert timedelta(minutes=10) == CODE_TTL
    assert late.try_code(PEPPER, "123456", now + timedelta(minutes=10)) is False


def test_five_wrong_tries_lock_a_code() -> None:
    now = datetime(2025, 6, 1, 12, tzinfo=UTC)
    code = _code(now)
    for _ in range(CODE_MAX_ATTEMPTS):
        assert code.try_code(PEPPER, "000000", now) is False
    assert CODE_MAX_ATTEMPTS == 5 and code.try_code(PEPPER, "123456", now) is False
    assert code.tries_left == 0


def test_a_code_of_a_phone_without_an_account_counts_its_right_code_as_a_wrong_try() -> None:
    now = datetime(2025, 6, 1, 12, tzinfo=UTC)
    known, unknown = _code(now), _code(now)
    assert known.try_code(PEPPER, "000000", now) is False
    assert unknown.try_code(PEPPER, "123456", now, accept=False) is False
    # The same state after a lucky guess as after a wrong one: no answer tells the two phones apart.
    assert (known.tries_left, known.used_at) == (unknown.tries_left, unknown.used_at) == (CODE_MAX_ATTEMPTS - 1, None)


def test_deadlines_in_hours_and_in_working_days_of_the_branch_time_zone() -> None:
    friday_evening_msk = datetime(2025, 5, 30, 15, 0, tzinfo=UTC)  # 18:00 in Moscow, a Friday
    assert Topic("schedule", "S", response_hours=4).due_at(friday_evening_msk, "Europe/Moscow") == \
        friday_evening_msk + timedelta(hours=4)
    # One working day from Friday is Monday, same local time.
    assert Topic("billing", "B", response_working_days=1).due_at(friday_evening_msk, "Europe/Moscow") == \
        datetime(2025, 6, 2, 15, 0, tzinfo=UTC)
    # Asked on Saturday: the clock starts Monday 09:00 local (Yekaterinburg is UTC+5).
    saturday = datetime(2025, 5, 31, 8, 0, tzinfo=UTC)
    assert add_working_days(saturday, 1, "Asia/Yekaterinburg") == datetime(2025, 6, 3, 4, 0, tzinfo=UTC)
    with pytest.raises(InvalidInput):
        Topic("x", "X")
    with pytest.raises(InvalidInput):
        Topic("x", "X", response_hours=1, response_working_days=1)


def test_a_question_is_overdue_only_while_open_past_its_deadline() -> None:
    now = datetime(2025, 6, 2, 9, tzinfo=UTC)
    q = Question.ask("f", "b", Topic("schedule", "S", response_hours=4), "When?", "g", None, "Europe/Moscow", now)
    assert not q.overdue(now + timedelta(hours=3)) and q.overdue(now + timedelta(hours=5))
    q.answer_with("Tomorrow", "admin", now + timedelta(hours=5))
    assert not q.overdue(now + timedelta(hours=6))


def test_erasure_keeps_the_id_and_drops_the_personal_data() -> None:
    family = Family("f", "+79160000000")
    kid = family.add_student("Masha", "Petrova", date(2015, 3, 1), "b", TODAY)
    kid.erase(datetime(2025, 6, 1, tzinfo=UTC))
    assert kid.erased and kid.birth_date is None and "Masha" not in kid.first_name and kid.id
    assert isinstance(kid, Student)


def test_an_address_key_groups_an_ipv6_subscribers_64_and_keeps_ipv4_as_is() -> None:
    from identity.domain.credentials import address_key

    assert address_key("2001:db8:5:7::1") == address_key("2001:db8:5:7:abcd::9") == "2001:db8:5:7::/64"
    assert address_key("2001:db8:5:8::1") != address_key("2001:db8:5:7::1")
    assert address_key("203.0.113.7") == address_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert address_key(None) == address_key("") == "unknown"
    assert address_key("not-an-address") == "not-an-address"
