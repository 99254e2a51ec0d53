"""Session-cookie mode of the sign-in mutations, for the web app.

A browser client sends `X-Kabinet-Session: cookie`: the refresh token then never appears in the response body
(`session.refreshToken` is null) and travels only as the `kabinet_refresh` cookie - HttpOnly (scripts cannot
read it), SameSite=Strict (never sent on a cross-site request) and scoped to /graphql. `refreshSession` and
`signOut` read it when no token is given. A token that came from the cookie is always answered in cookie mode,
so it never leaks into a body that scripts can read. CSRF: the cookie is SameSite=Strict, and the gateway only
accepts POSTs that a cross-site form cannot send (a JSON content type).
"""

from __future__ import annotations

from identity.schema.common import Ctx, ports
from identity.schema.types import AuthSession
from identity.service.sessions import AuthSession as AuthSessionModel

COOKIE_NAME = "kabinet_refresh"
SESSION_HEADER = "x-kabinet-session"
COOKIE_PATH = "/graphql"


def _header_asks_cookie(info: Ctx) -> bool:
    request = info.context.request
    return request is not None and request.headers.get(SESSION_HEADER, "").strip().lower() == "cookie"


def cookie_token(info: Ctx) -> str | None:
    request = info.context.request
    token = request.cookies.get(COOKIE_NAME) if request is not None else None
    return token or None


def refresh_token_of(info: Ctx, given: str | None) -> tuple[str, bool]:
    """The token to use (the argument, else the cookie's) and whether to answer in cookie mode."""
    if given:
        return given, _header_asks_cookie(info)
    token = cookie_token(info)
    return token or "", token is not None or _header_asks_cookie(info)


def deliver(info: Ctx, session: AuthSessionModel | None, *, cookie_mode: bool | None = None) -> AuthSession | None:
    """The session for the payload; in cookie mode its refresh token goes into the cookie instead."""
    if session is None:
        return None
    out = AuthSession.from_model(session)
    if cookie_mode if cookie_mode is not None else _header_asks_cookie(info):
        response = info.context.response
        if response is not None:
            settings = ports(info).settings
            response.set_cookie(
                COOKIE_NAME,
                session.refresh_token,
                max_age=settings.refresh_ttl_days * 86400,
                path=COOKIE_PATH,
                secure=settings.session_cookie_secure,
                httponly=True,
                samesite="strict",
            )
            response.headers["cache-control"] = "no-store"  # never cached with its cookie
        out.refresh_token = None
    return out


def clear(info: Ctx) -> None:
    response = info.context.response
    if response is not None:
        response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH, secure=ports(info).settings.session_cookie_secure,
                               httponly=True, samesite="strict")
        response.headers["cache-control"] = "no-store"
