"""The few service pages the public reaches at the gateway's origin, as in embedded mode:
``/services/<subgraph>/<path>`` — a calendar feed (the token in the path is the credential), the email
confirmation page, the payment provider's webhook. Only these prefixes are forwarded; a subgraph's GraphQL
endpoint and everything else stay internal (404 here).

Every public link a service builds is ``KABINET_PUBLIC_URL`` + ``/services/<name>/<path>``
(``ServiceSettings.public_link``), so one setting — the gateway's origin — makes them all work.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import httpx
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from gateway.config import SubgraphConfig

PUBLIC_PATHS: Final[dict[str, tuple[str, ...]]] = {
    "scheduling": ("calendar/",),
    "identity": ("confirm-email",),
    "billing": ("webhooks/",),
}
_PASSED_HEADERS: Final = ("content-type", "cache-control", "location")


def _origin(url: str) -> str:
    u = httpx.URL(url)
    return f"{u.scheme}://{u.netloc.decode()}"


def public_routes(subgraphs: Sequence[SubgraphConfig], timeout_s: float = 10.0) -> list[Route]:
    by_name = {s.name: s for s in subgraphs}

    async def forward(request: Request) -> Response:
        name, path = request.path_params["service"], request.path_params["path"]
        config = by_name.get(name)
        if config is None or not path.startswith(PUBLIC_PATHS.get(name, ())) or ".." in path:
            return PlainTextResponse("Not found", status_code=404)
        headers = {k: v for k, v in request.headers.items() if k.lower() in ("content-type", "content-hmac")}
        async with httpx.AsyncClient(transport=config.transport, timeout=timeout_s) as client:
            try:
                got = await client.request(request.method, f"{_origin(config.url)}/{path}",
                                           params=request.query_params, headers=headers, content=await request.body())
            except httpx.HTTPError:
                return PlainTextResponse("The service is unavailable.", status_code=503)
        return Response(got.content, status_code=got.status_code,
                        headers={k: v for k, v in got.headers.items() if k.lower() in _PASSED_HEADERS})

    return [Route("/services/{service}/{path:path}", forward, methods=["GET", "POST"])]
