"""GET /.well-known/jwks.json: the public keys every service verifies access tokens with."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse

from kabinet.auth import SigningKey, jwks


def jwks_endpoint(key: SigningKey) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def endpoint(_: Request) -> JSONResponse:
        return JSONResponse(jwks([key]), headers={"Cache-Control": "public, max-age=300"})

    return endpoint
