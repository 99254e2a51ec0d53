"""Signing in without a database: codes (tries, locks, unknown phones), password lockouts, refresh-token
rotation and reuse, sign-out, password changes."""

from __future__ import annotations

import pytest
from identity_memory import World
from identity_unit_support import CODE, OWNER, branch, run, run_anonymous, sign_in, staff_family

from identity.domain.credentials import CODE_MAX_ATTEMPTS
from identity.domain.errors import (
    CodeLocked,
    InvalidCode,
    InvalidCredentials,
    InvalidRefreshToken,
    TooManyRequests,
    WeakPassword,
)
from identity.domain.model import StaffRole
from identity.service import accounts, auth, org, sessions
from identity.service.sessions import AuthSession
from kabinet.auth.principal import ANONYMOUS, Role
from kabinet.errors import Unauthenticated

PHONE = "+79160000021"
EMAIL = "teacher@school.test"
PASSWORD = "a-long-password-1"


async def _family(world: World) -> None:
    await staff_family(world, await branch(world), PHONE, ("Masha", "Petrova", "2015-03-01"))


async def _request(world: World, phone: str = PHONE) -> None:
    await run_anonymous(world, auth.request_phone_code, auth.RequestPhoneCode(phone, auth.CodePurpose.SIGN_IN, "ip1"))


async def _code(world: World, code: str, phone: str = PHONE) -> AuthSession:
    return await run_anonymous(world, auth.sign_in_with_code, auth.SignInWithCode(phone, code))


async def _password(world: World, login: str, password: str, ip: str = "ip1") -> AuthSession:
    return await run_anonymous(world, auth.sign_in_with_password, auth.SignInWithPassword(login, password, ip))


async def _refresh(world: World, token: str) -> AuthSession:
    return await run_anonymous(world, sessions.refresh_session, sessions.RefreshSession(token))


async def test_a_guardian_signs_in_with_the_sms_code_once(world: World) -> None:
    await _family(world)
    await _request(world)
    assert CODE in world.outbox.to(PHONE)[-1].text
    s = await _code(world, CODE)
    assert s.principal.role is Role.GUARDIAN and len(s.student_ids) == 1
    assert s.expires_in == 45 and s.access_token.startswith("access-")
    with pytest.raises(CodeLocked):  # spent
        await _code(world, CODE)


async def test_wrong_codes_count_even_though_each_fails_and_the_fifth_locks(world: World) -> None:
    await _family(world)
    await _request(world)
    for left in range(CODE_MAX_ATTEMPTS - 1, 0, -1):
        with pytest.raises(InvalidCode) as wrong:
            await _code(world, "000000")
        assert wrong.value.tries_left == left  # the failed try was committed before the error
    with pytest.raises(CodeLocked):
        await _code(world, "000000")
    with pytest.raises(CodeLocked):  # the right code no longer helps
        await _code(world, CODE)


async def test_an_expired_code_is_locked(world: World) -> None:
    await _family(world)
    await _request(world)
    world.clock.advance(minutes=10, seconds=1)
    with pytest.raises(CodeLocked):
        await _code(world, CODE)


async def test_an_unknown_phone_gets_a_code_row_but_no_sms_and_no_way_in(world: World) -> None:
    stranger = "+79160000029"
    await _request(world, stranger)
    assert world.outbox.to(stranger) == [] and len(world.data.codes) == 1
    with pytest.raises(InvalidCode) as wrong:  # the right code counts as wrong: the same answer as a known phone
        await _code(world, CODE, stranger)
    assert wrong.value.tries_left == CODE_MAX_ATTEMPTS - 1


async def test_codes_per_phone_are_capped(world: World) -> None:
    await _family(world)
    for _ in range(world.ports.limits.per_phone):
        await _request(world)
    with pytest.raises(TooManyRequests):
        await _request(world)


async def _teacher(world: World) -> None:
    b = await branch(world)
    await run(world, org.create_staff, org.CreateStaff(StaffRole.TEACHER, EMAIL, "Olga", "T", (b,), PASSWORD), OWNER)


async def test_wrong_passwords_lock_the_login_from_that_address_only(world: World) -> None:
    await _teacher(world)
    for _ in range(auth.PASSWORD_FAILURES_PER_LOGIN_AND_ADDRESS):
        with pytest.raises(InvalidCredentials):
            await _password(world, EMAIL, "wrong-password-00")
    with pytest.raises(TooManyRequests):  # even the right password, from that address
        await _password(world, EMAIL, PASSWORD)
    assert (await _password(world, " Teacher@School.TEST ", PASSWORD, ip="ip2")).principal.role is Role.TEACHER
    world.clock.advance(minutes=15, seconds=1)  # the window passes
    assert (await _password(world, EMAIL, PASSWORD)).principal.role is Role.TEACHER


async def test_the_addresses_of_one_ipv6_subscriber_count_as_one_client(world: World) -> None:
    """An IPv6 client holds a /64: a new address for every try must not be a fresh allowance."""
    await _teacher(world)
    for i in range(auth.PASSWORD_FAILURES_PER_LOGIN_AND_ADDRESS):
        with pytest.raises(InvalidCredentials):
            await _password(world, EMAIL, "wrong-password-00", ip=f"2001:db8:5:7::{i + 1:x}")
    with pytest.raises(TooManyRequests):  # another address of the same /64
        await _password(world, EMAIL, PASSWORD, ip="2001:db8:5:7:ffff::1")
    assert (await _password(world, EMAIL, PASSWORD, ip="2001:db8:5:8::1")).principal.role is Role.TEACHER


async def test_a_guess_spread_over_addresses_hits_the_per_login_ceiling(world: World,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    await _teacher(world)
    monkeypatch.setattr(auth, "PASSWORD_FAILURES_PER_LOGIN", 3)
    for i in range(3):
        with pytest.raises(InvalidCredentials):
            await _password(world, EMAIL, "wrong-password-00", ip=f"ip-{i}")
    with pytest.raises(TooManyRequests):
        await _password(world, EMAIL, PASSWORD, ip="ip-fresh")


async def test_an_unknown_login_fails_like_a_wrong_password_and_counts(world: World) -> None:
    with pytest.raises(InvalidCredentials):
        await _password(world, "nobody@school.test", PASSWORD)
    assert [b for b, _, _ in world.data.throttles] == ["password_fail", "password_fail_login"]


async def test_a_refresh_token_rotates_and_a_reused_one_revokes_the_chain(world: World) -> None:
    await _family(world)
    first = await sign_in(world, PHONE)
    second = await _refresh(world, first.refresh_token)
    assert second.refresh_token != first.refresh_token
    with pytest.raises(InvalidRefreshToken):  # the spent token again: stolen, or a broken client
        await _refresh(world, first.refresh_token)
    with pytest.raises(InvalidRefreshToken):  # ... so the live one of the chain is revoked too
        await _refresh(world, second.refresh_token)


async def test_a_refresh_token_expires_with_its_lifetime(world: World) -> None:
    await _family(world)
    s = await sign_in(world, PHONE)
    world.clock.advance(days=world.ports.settings.refresh_ttl_days)
    with pytest.raises(InvalidRefreshToken):
        await _refresh(world, s.refresh_token)


async def test_sign_out_ends_the_chain(world: World) -> None:
    await _family(world)
    s = await sign_in(world, PHONE)
    await run_anonymous(world, sessions.end_session, sessions.EndSession(s.refresh_token))
    with pytest.raises(InvalidRefreshToken):
        await _refresh(world, s.refresh_token)


async def test_changing_a_password_needs_the_current_one_and_ends_other_sessions(world: World) -> None:
    await _teacher(world)
    old = await _password(world, EMAIL, PASSWORD)
    with pytest.raises(InvalidCredentials):
        await run(world, accounts.set_password, accounts.SetPassword("a-new-password-22", "not-it"), old.principal)
    fresh = await run(world, accounts.set_password, accounts.SetPassword("a-new-password-22", PASSWORD),
                      old.principal)
    with pytest.raises(InvalidRefreshToken):
        await _refresh(world, old.refresh_token)
    await _refresh(world, fresh.refresh_token)
    assert (await _password(world, EMAIL, "a-new-password-22")).principal.user_id == old.principal.user_id


# Moved from api/test_accounts_and_pages.py (PostgreSQL through GraphQL); setPassword's GraphQL path stays covered
# by api/test_authorization_matrix.py and e2e/test_flows_through_gateway.py.
async def test_a_code_only_guardian_sets_a_first_password_then_needs_it_to_change_it(world: World) -> None:
    phone = "+79160000029"
    await run_anonymous(world, auth.request_phone_code, auth.RequestPhoneCode(phone, auth.CodePurpose.REGISTER))
    me = (await run_anonymous(world, auth.complete_registration,
                              auth.CompleteRegistration(phone, CODE, "Ira", "Codeonly"))).principal
    with pytest.raises(WeakPassword) as weak:
        await run(world, accounts.set_password, accounts.SetPassword("short"), me)
    assert (weak.value.field, weak.value.code) == ("newPassword", "WEAK_PASSWORD")
    first = await run(world, accounts.set_password, accounts.SetPassword("first-password-1"), me)
    assert (await _password(world, phone, "first-password-1")).principal.role is Role.GUARDIAN
    with pytest.raises(InvalidCredentials):  # now there is a password: changing it needs the current one
        await run(world, accounts.set_password, accounts.SetPassword("second-password-2"), first.principal)
    await run(world, accounts.set_password, accounts.SetPassword("second-password-2", "first-password-1"),
              first.principal)
    with pytest.raises(InvalidCredentials):
        await _password(world, phone, "first-password-1")
    with pytest.raises(Unauthenticated):
        await run(world, accounts.set_password, accounts.SetPassword("second-password-2"), ANONYMOUS)
