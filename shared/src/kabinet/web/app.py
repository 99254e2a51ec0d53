"""The app factory every service uses: /graphql, /healthz, /readyz, /metrics, correlation ids, JSON logs."""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import orjson
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.federation import Schema

from kabinet import tracing
from kabinet.auth.principal import ANONYMOUS, Principal
from kabinet.auth.tokens import InvalidToken
from kabinet.context import event_context
from kabinet.graphql.context import RequestContext
from kabinet.graphql.extensions import validation_cache_info
from kabinet.metrics import HTTP_LATENCY, HTTP_REQUESTS, VALIDATION_CACHE
from kabinet.outages import SERVICE_UNAVAILABLE, UNAVAILABLE_MESSAGE, is_outage
from kabinet.runtime import ServiceRuntime
from kabinet.web.body_limit import BodyLimitMiddleware
from kabinet.web.gateway_only import GatewayOnly, require_secret

CORRELATION_HEADER = "x-correlation-id"
log = logging.getLogger(__name__)


def unavailable_response() -> JSONResponse:
    body = {"errors": [{"message": UNAVAILABLE_MESSAGE, "extensions": {"code": SERVICE_UNAVAILABLE}}]}
    return JSONResponse(body, status_code=503, headers={"retry-after": "1"})


class CorrelationMiddleware:
    """Takes the caller's correlation id (or starts one) for logs and every event the request causes."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app, self.service = app, service
        self._metrics: dict[tuple[str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        raw = headers.get(CORRELATION_HEADER.encode(), b"").decode("latin-1").strip()
        # Traced: a new chain's correlation id is its trace id (one key for logs, events and traces).
        cid = raw[:64] if raw else (tracing.current_trace_id() or uuid.uuid4().hex)
        started = time.perf_counter()
        status = 500
        path = scope.get("path", "")

        async def send_with_header(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (CORRELATION_HEADER.encode(), cid.encode())]
            await send(message)

        try:
            with event_context(cid):  # a request starts a chain: no causation
                await self.app(scope, receive, send_with_header)
        finally:
            self._observe(path, status, time.perf_counter() - started)

    def _observe(self, path: str, status: int, seconds: float) -> None:
        # The labelled metrics looked up once per path and status (``labels()`` locks and builds a key).
        key = (path, status)
        metrics = self._metrics.get(key)
        if metrics is None:
            if len(self._metrics) >= 1000:  # paths are the client's choice (404s): keep the table bounded
                self._metrics.clear()
            metrics = self._metrics[key] = (HTTP_REQUESTS.labels(self.service, path, str(status)),
                                            HTTP_LATENCY.labels(self.service, path))
        metrics[0].inc()
        metrics[1].observe(seconds)


class ServiceGraphQL(GraphQL[RequestContext, None]):
    def __init__(self, schema: Schema, runtime: ServiceRuntime, graphql_ide: str | None = "graphiql") -> None:
        super().__init__(schema, graphql_ide=graphql_ide)  # type: ignore[arg-type]
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        contexts: list[RequestContext] = []
        scope.setdefault("state", {})["kabinet_contexts"] = contexts
        try:
            await super().__call__(scope, receive, send)
        finally:
            for context in contexts:  # the request's database connection goes back to the pool
                await context.close()

    def encode_json(self, data: object) -> bytes:
        # orjson: several times faster than json.dumps on a page of lessons; the same JSON for what a GraphQL
        # answer holds (anything else goes the old way, and fails the old way).
        try:
            return orjson.dumps(data)
        except TypeError:
            return json.dumps(data, separators=(",", ":")).encode()

    def decode_json(self, data: str | bytes) -> object:
        try:
            return orjson.loads(data)
        except ValueError:  # what orjson refuses and json reads (NaN, lone surrogates, huge integers) or neither
            return json.loads(data)

    async def get_context(self, request: Any, response: Any) -> RequestContext:
        principal: Principal = getattr(request.state, "principal", ANONYMOUS)
        context = RequestContext(principal=principal, runtime=self.runtime, request=request, response=response)
        getattr(request.state, "kabinet_contexts", []).append(context)
        return context


class AuthMiddleware:
    """Verifies the bearer token once per request; a bad token is a 401 with a typed error."""

    def __init__(self, app: ASGIApp, runtime: ServiceRuntime) -> None:
        self.app, self.runtime = app, runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        auth = headers.get(b"authorization", b"").decode("latin-1")
        principal = ANONYMOUS
        if auth:
            scheme, _, token = auth.partition(" ")
            try:
                if scheme.lower() != "bearer" or not token:
                    raise InvalidToken("not a bearer token")
                principal = await self.runtime.verifier.verify(token.strip())
            except InvalidToken:
                body = {"errors": [{"message": "The access token is not valid.",
                                    "extensions": {"code": "UNAUTHENTICATED"}}]}
                await JSONResponse(body, status_code=401)(scope, receive, send)
                return
            except Exception as exc:
                if not is_outage(exc):
                    raise
                # Identity's keys cannot be fetched: the token is neither good nor bad yet. Retry, not
                # sign in again; one line in the log, no traceback (it is an outage, not a bug).
                log.warning("token not verified: identity's keys are unavailable", extra={"error": repr(exc)})
                await unavailable_response()(scope, receive, send)
                return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


def create_service_app(
    runtime: ServiceRuntime,
    schema: Schema,
    *,
    routes: Sequence[BaseRoute] = (),
    manage_runtime: bool = True,
) -> Starlette:
    """``manage_runtime=False`` when something else (the embedded stack) starts and stops the runtime.

    /graphql answers only the gateway (its shared secret, ``KABINET_GATEWAY_SECRET``; refused at start-up when
    missing); the other routes (health, metrics, ``routes`` such as JWKS, webhooks, feeds) stay public."""
    secret = require_secret(runtime.settings.gateway_secret, runtime.name)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok", "service": runtime.name})

    async def readyz(_: Request) -> Response:
        checks = await runtime.readiness()
        ready = all(checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    async def metrics(_: Request) -> Response:
        cache = validation_cache_info()
        VALIDATION_CACHE.labels("hits").set(cache.hits)
        VALIDATION_CACHE.labels("misses").set(cache.misses)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    graphql_app = GatewayOnly(AuthMiddleware(ServiceGraphQL(schema, runtime), runtime), secret)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if manage_runtime:
            await runtime.start()
            # Everything built at start-up (modules, the schema, mappers) lives as long as the process: out of
            # the cyclic collector's sight, so its full collections do not walk it again and again under load.
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            if manage_runtime:
                await runtime.stop()

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            *routes,
        ],
        lifespan=lifespan,
    )
    app.add_middleware(CorrelationMiddleware, service=runtime.name)
    app.add_middleware(BodyLimitMiddleware)
    tracing.add_middleware(app, runtime.name)
    app.state.runtime = runtime
    return app
