"""GET /calendar/<token>.ics: a student's or a teacher's lessons for calendar apps (R-SCH-8, R-SCH-9).

The token is the credential (calendar apps send no headers): an unknown or revoked one is a 404."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from scheduling.service.feeds import render_feed
from scheduling.service.unit_of_work import SchedulingReads

MAX_TOKEN_LENGTH = 100


def calendar_route(open_reads: Callable[[], AbstractAsyncContextManager[SchedulingReads]]) -> Route:
    """``open_reads``: the read model on a session of its own, for one request."""

    async def feed(request: Request) -> Response:
        token = str(request.path_params["token"])
        if not token.endswith(".ics") or len(token) > MAX_TOKEN_LENGTH:
            return Response("Not found", status_code=404)
        async with open_reads() as reads:
            body = await render_feed(token.removesuffix(".ics"), reads)
        if body is None:
            return Response("Not found", status_code=404)
        return Response(body, media_type="text/calendar; charset=utf-8",
                        headers={"Cache-Control": "private, max-age=300"})

    return Route("/calendar/{token}", feed, methods=["GET"])
