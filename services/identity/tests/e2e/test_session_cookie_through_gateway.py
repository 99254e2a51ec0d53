"""The web app's session cookie through the real gateway (all four services on PostgreSQL + RabbitMQ): set by
identity on sign-in, sent back only by the browser, rotated by refreshSession, ended by signOut."""

from __future__ import annotations

from gateway_kit import Flow
from identity_testkit import COMPLETE_REG, REQUEST_REG_CODE, CookieBrowser, new_phone

REFRESH = "mutation { refreshSession { session { accessToken refreshToken } errors { code } } }"
MY_FAMILY = "{ myFamily { guardians { phone } } }"


async def test_the_web_apps_session_lives_in_the_cookie_through_the_gateway(flow: Flow) -> None:
    browser = CookieBrowser(flow.stack.stack.app)
    try:
        phone = new_phone()
        requested = await browser.post(REQUEST_REG_CODE, {"p": phone})
        assert requested["data"]["requestRegistrationCode"]["ok"] is True
        registered = await browser.post(COMPLETE_REG, {"i": {"phone": phone, "code": flow.code(phone),
                                                             "firstName": "Web", "lastName": "Gateway"}})
        session = registered["data"]["completeRegistration"]["session"]
        assert session["accessToken"] and session["refreshToken"] is None
        attributes = browser.cookie_attributes()
        assert "httponly" in attributes and attributes["samesite"].lower() == "strict"
        assert attributes["path"] == "/graphql"
        first = browser.refresh_cookie
        assert first

        # A page load: the app has no token in memory and restores the session from the cookie alone.
        restored = await browser.post(REFRESH)
        access = restored["data"]["refreshSession"]["session"]["accessToken"]
        assert browser.refresh_cookie not in (None, first)
        family = await flow.as_token(access).execute(MY_FAMILY)
        assert family["data"]["myFamily"]["guardians"] == [{"phone": phone}]

        signed_out = await browser.post("mutation { signOut { ok } }")
        assert signed_out["data"]["signOut"]["ok"] is True and browser.refresh_cookie is None
        assert browser.cookie_attributes()["max-age"] == "0"
        browser.refresh_cookie = first  # even an old copy of the cookie opens nothing now
        again = await browser.post(REFRESH)
        assert again["data"]["refreshSession"]["errors"] == [{"code": "INVALID_REFRESH_TOKEN"}]
    finally:
        await browser.client.aclose()
