"""GET /dev/messages (development transport only): the SMS and emails identity would have sent."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import HTMLResponse

from identity.adapters.messages import DevMailbox


def dev_messages_page(mailbox: DevMailbox) -> Callable[[Request], Awaitable[HTMLResponse]]:
    async def page(_: Request) -> HTMLResponse:
        rows = "".join(
            f"<tr><td>{m.sent_at:%H:%M:%S}</td><td>{m.channel}</td><td>{html.escape(m.to)}</td>"
            f"<td>{html.escape(m.subject)}</td><td><pre>{html.escape(m.text)}</pre></td></tr>"
            for m in reversed(mailbox.messages))
        return HTMLResponse("<h1>Messages identity sent (development)</h1><table border=1 cellpadding=4>"
                            f"<tr><th>time</th><th>channel</th><th>to</th><th>subject</th><th>text</th></tr>{rows}"
                            "</table>")

    return page
