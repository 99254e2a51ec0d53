"""The web app's session-cookie mode (`X-Kabinet-Session: cookie`): the refresh token only ever in an HttpOnly,
SameSite=Strict cookie scoped to /graphql; refresh and sign-out read it; sign-out ends the chain and clears it."""

from __future__ import annotations

from typing import Any

import pytest
from identity_testkit import (
    COMPLETE_REG,
    REQUEST_CODE,
    REQUEST_REG_CODE,
    SIGN_IN_CODE,
    SIGN_IN_PASSWORD,
    CookieBrowser,
    Env,
    new_phone,
)

REFRESH_FROM_COOKIE = "mutation { refreshSession { session { accessToken refreshToken expiresIn } errors { code } } }"
SIGN_OUT_FROM_COOKIE = "mutation { signOut { ok } }"
PASSWORD = "correct horse battery 7"


@pytest.fixture
async def browser(env: Env) -> Any:
    b = CookieBrowser(env.app)
    yield b
    await b.client.aclose()


async def _register(env: Env, browser: CookieBrowser) -> tuple[str, dict[str, Any]]:
    phone = new_phone()
    await env.ok(REQUEST_REG_CODE, {"p": phone})
    got = await browser.post(COMPLETE_REG, {"i": {"phone": phone, "code": env.last_code(phone), "firstName": "Web",
                                                  "lastName": "Cookie", "password": PASSWORD}})
    return phone, got["data"]["completeRegistration"]


async def test_cookie_mode_puts_the_refresh_token_only_in_an_httponly_strict_cookie(
    env: Env, browser: CookieBrowser
) -> None:
    phone, registered = await _register(env, browser)
    assert registered["errors"] == [] and registered["session"]["accessToken"]
    assert registered["session"]["refreshToken"] is None
    assert browser.refresh_cookie
    attributes = browser.cookie_attributes()
    assert attributes["path"] == "/graphql"
    assert attributes["samesite"].lower() == "strict"
    assert "httponly" in attributes and "secure" not in attributes
    assert attributes["max-age"] == str(env.deps.settings.refresh_ttl_days * 86400)
    assert browser.last_headers["cache-control"] == "no-store"

    # Every sign-in of the family behaves alike: by code and by password.
    await env.ok(REQUEST_CODE, {"p": phone})
    by_code = await browser.post(SIGN_IN_CODE, {"p": phone, "c": env.last_code(phone)})
    assert by_code["data"]["signInWithCode"]["session"]["refreshToken"] is None
    assert browser.cookie_attributes()["samesite"].lower() == "strict"
    by_password = await browser.post(SIGN_IN_PASSWORD, {"l": phone, "pw": PASSWORD})
    assert by_password["data"]["signInWithPassword"]["session"]["refreshToken"] is None
    assert "httponly" in browser.cookie_attributes()


async def test_without_the_header_the_token_stays_in_the_body_and_no_cookie_is_set(
    env: Env, browser: CookieBrowser
) -> None:
    phone, _ = await _register(env, browser)
    browser.refresh_cookie = None
    got = await browser.post(SIGN_IN_PASSWORD, {"l": phone, "pw": PASSWORD}, cookie_mode=False)
    assert got["data"]["signInWithPassword"]["session"]["refreshToken"]
    assert browser.last_set_cookie == []


async def test_refresh_reads_and_rotates_the_cookie_and_a_replayed_cookie_ends_the_chain(
    env: Env, browser: CookieBrowser
) -> None:
    await _register(env, browser)
    first = browser.refresh_cookie
    refreshed = await browser.post(REFRESH_FROM_COOKIE)
    session = refreshed["data"]["refreshSession"]["session"]
    assert session["accessToken"] and session["refreshToken"] is None and session["expiresIn"] > 0
    second = browser.refresh_cookie
    assert second and second != first

    # A cookie's token is never put into the body, even when the header is missing.
    third_round = await browser.post(REFRESH_FROM_COOKIE, cookie_mode=False)
    assert third_round["data"]["refreshSession"]["session"]["refreshToken"] is None
    third = browser.refresh_cookie

    # The spent first token, replayed: refused, the cookie cleared, and the live one revoked with its chain.
    browser.refresh_cookie = first
    replay = await browser.post(REFRESH_FROM_COOKIE)
    assert replay["data"]["refreshSession"] == {"session": None, "errors": [{"code": "INVALID_REFRESH_TOKEN"}]}
    assert browser.refresh_cookie is None and browser.cookie_attributes()["max-age"] == "0"
    browser.refresh_cookie = third
    live = await browser.post(REFRESH_FROM_COOKIE)
    assert live["data"]["refreshSession"]["errors"] == [{"code": "INVALID_REFRESH_TOKEN"}]


async def test_refresh_without_a_token_or_cookie_is_a_typed_error(browser: CookieBrowser) -> None:
    got = await browser.post(REFRESH_FROM_COOKIE, cookie_mode=False)
    assert got["data"]["refreshSession"] == {"session": None, "errors": [{"code": "INVALID_REFRESH_TOKEN"}]}


async def test_sign_out_ends_the_cookie_chain_and_clears_the_cookie(env: Env, browser: CookieBrowser) -> None:
    await _register(env, browser)
    await browser.post(REFRESH_FROM_COOKIE)
    live = browser.refresh_cookie
    out = await browser.post(SIGN_OUT_FROM_COOKIE)
    assert out["data"]["signOut"]["ok"] is True
    attributes = browser.cookie_attributes()
    assert browser.refresh_cookie is None and attributes["max-age"] == "0" and attributes["path"] == "/graphql"
    browser.refresh_cookie = live
    after = await browser.post(REFRESH_FROM_COOKIE)
    assert after["data"]["refreshSession"]["errors"] == [{"code": "INVALID_REFRESH_TOKEN"}]


async def test_the_cookie_is_secure_when_configured(env: Env, browser: CookieBrowser) -> None:
    env.deps.settings.session_cookie_secure = True
    try:
        await _register(env, browser)
        assert "secure" in browser.cookie_attributes()
    finally:
        env.deps.settings.session_cookie_secure = False
