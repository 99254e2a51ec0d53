"""The web app's session cookie through the gateway.

Identity keeps the web app's refresh token in the `kabinet_refresh` cookie (HttpOnly, SameSite=Strict, Path=/graphql)
when a sign-in mutation carries `X-Kabinet-Session: cookie`. The browser only talks to the gateway, so the gateway
forwards that cookie and header - to the session subgraphs only (`GATEWAY_SESSION_SUBGRAPHS`, identity), never to
the others - and passes their `Set-Cookie` back to the browser, with `Cache-Control: no-store` so no cache ever
keeps or shares it. Only POSTs forward (the sign-in family is mutations, which GET never runs); the CSRF
protection is the cookie's SameSite=Strict and the gateway's rule that a POST is JSON (a content type a cross-site
form cannot send).

The exchange rides in a context variable set for one HTTP request, so the planner and executor stay unaware of it:
the subgraph client adds the headers and collects the cookies of the calls it makes to a session subgraph.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field

SESSION_COOKIE = "kabinet_refresh"
SESSION_HEADER = "x-kabinet-session"


@dataclass
class SessionExchange:
    """What one client request forwards to the session subgraphs, and the cookies they set in answer."""

    forward: dict[str, str]
    set_cookies: list[str] = field(default_factory=list)


current_exchange: ContextVar[SessionExchange | None] = ContextVar("gateway_session_exchange", default=None)


def exchange_for(cookies: Mapping[str, str], headers: Mapping[str, str]) -> SessionExchange | None:
    """The exchange for a request carrying the session cookie or header; None (nothing to do) otherwise."""
    forward: dict[str, str] = {}
    token = cookies.get(SESSION_COOKIE)
    if token:
        forward["cookie"] = f"{SESSION_COOKIE}={token}"
    mode = headers.get(SESSION_HEADER)
    if mode:
        forward[SESSION_HEADER] = mode
    return SessionExchange(forward) if forward else None


def response_headers(exchange: SessionExchange | None) -> list[tuple[bytes, bytes]]:
    """The raw headers to add to the client's response: the subgraphs' Set-Cookie, never cached."""
    if exchange is None or not exchange.set_cookies:
        return []
    headers = [(b"set-cookie", value.encode("latin-1")) for value in exchange.set_cookies]
    headers.append((b"cache-control", b"no-store"))
    return headers
