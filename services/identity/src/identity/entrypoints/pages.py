"""Identity's own web pages: where the links in its emails land (no GraphQL client needed to follow one)."""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import HTMLResponse

from identity.domain.errors import InvalidLink
from identity.service import auth

if TYPE_CHECKING:
    from identity.bootstrap import IdentityRuntime

log = logging.getLogger(__name__)

# The token is in the URL: keep it out of caches and out of the Referer of anything the page links to.
_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}


def _page(title: str, text: str, status: int) -> HTMLResponse:
    body = (f"<!doctype html><html lang=en><meta charset=utf-8><title>{html.escape(title)}</title>"
            "<body style='font-family:sans-serif;max-width:32em;margin:4em auto'>"
            f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>")
    return HTMLResponse(body, status_code=status, headers=_HEADERS)


def confirm_email_page(runtime: IdentityRuntime) -> Callable[[Request], Awaitable[HTMLResponse]]:
    """GET /confirm-email?token=...: the link from the confirmation email. Following it proves the mailbox,
    so a GET may confirm (a mail scanner that prefetches it proves the same); the link works once."""

    async def page(request: Request) -> HTMLResponse:
        token = request.query_params.get("token", "")
        if not token or len(token) > 200:
            return _page("Link not valid", InvalidLink.message, 400)
        try:
            async with runtime.unit_of_work() as uow:
                await auth.confirm_email(auth.ConfirmEmail(token), uow)
        except InvalidLink:
            return _page("Link not valid", InvalidLink.message + " You can send a new one from your cabinet.", 400)
        except Exception:
            log.exception("email confirmation failed")
            return _page("Something went wrong", "Please try the link again later.", 500)
        return _page("Email confirmed", "Thank you: your email address is confirmed. You can close this page.", 200)

    return page
