"""The app factory every service uses: /graphql, /healthz, /readyz, /metrics, correlation ids, JSON logs."""

from __future__ import annotations

import contextlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import orjson
from cross_web import HTTPException
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette._utils import get_route_path
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.federation import Schema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from kabinet import tracing
from kabinet.auth.principal import ANONYMOUS, Principal
from kabinet.auth.tokens import InvalidToken
from kabinet.context import event_context
from kabinet.graphql.context import RequestContext
from kabinet.graphql.extensions import validation_cache_info
from kabinet.metrics import HTTP_LATENCY, HTTP_REQUESTS, VALIDATION_CACHE
from kabinet.outages import SERVICE_UNAVAILABLE, UNAVAILABLE_MESSAGE, is_outage
from kabinet.process import collector_thresholds, settle_after_start_up
from kabinet.runtime import ServiceRuntime
from kabinet.web.body_limit import (
    DEFAULT_MAX_BODY_BYTES,
    BodyLimitMiddleware,
    BodyTooLarge,
    declared_too_large,
    refuse_too_large,
)
from kabinet.web.gateway_only import CLIENT_ADDRESS_HEADER, SECRET_HEADER, GatewayOnly, admit, require_secret

CORRELATION_HEADER = "x-correlation-id"
_CORRELATION, _SECRET, _ADDRESS = CORRELATION_HEADER.encode(), SECRET_HEADER.encode(), CLIENT_ADDRESS_HEADER.encode()
_POST_OPERATIONS = OperationType.from_http("POST")
log = logging.getLogger(__name__)


def unavailable_response() -> JSONResponse:
    body = {"errors": [{"message": UNAVAILABLE_MESSAGE, "extensions": {"code": SERVICE_UNAVAILABLE}}]}
    return JSONResponse(body, status_code=503, headers={"retry-after": "1"})


def correlation_id(raw: bytes) -> str:
    """The caller's correlation id (at most 64 characters), or a new chain's."""
    given = raw.decode("latin-1").strip()
    # Traced: a new chain's correlation id is its trace id (one key for logs, events and traces).
    return given[:64] if given else (tracing.current_trace_id() or uuid.uuid4().hex)


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
        cid = correlation_id(headers.get(_CORRELATION, b""))
        started = time.perf_counter()
        status = 500
        path = scope.get("path", "")

        async def send_with_header(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (_CORRELATION, cid.encode())]
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
        self._streams: dict[bytes, bool] = {}  # Accept header -> asks for a streamed answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        contexts: list[RequestContext] = []
        scope.setdefault("state", {})["kabinet_contexts"] = contexts
        try:
            if scope["type"] == "http" and scope["method"] == "POST" and self._plain_json(scope):
                await self._post(scope, receive, send)
            else:
                await super().__call__(scope, receive, send)
        finally:
            for context in contexts:  # the request's database connection goes back to the pool
                await context.close()

    def _plain_json(self, scope: Scope) -> bool:
        """A POST whose (first) Content-Type is JSON and whose Accept asks for no streamed answer: what the
        gateway sends. Anything else goes Strawberry's way unchanged."""
        content_type = accept = None
        for name, value in scope.get("headers") or ():
            if name == b"content-type" and content_type is None:
                content_type = value
            elif name == b"accept" and accept is None:
                accept = value
        # Exactly "application/json" (Strawberry does not fold its case either); other types go its way.
        if content_type is None or content_type.split(b";", 1)[0].strip() != b"application/json":
            return False
        if not accept:
            return True
        streams = self._streams.get(accept)
        if streams is None:
            if len(self._streams) >= 100:  # the client's choice: keep the table bounded
                self._streams.clear()
            header = {"accept": accept.decode("latin-1")}
            streams = self._streams[accept] = self._get_stream_transport_from_headers(header) is not None
        return not streams

    async def _post(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Strawberry's view for a plain JSON POST (`run` and `execute_single`), without its request adapter,
        content-type parsing (through the email package), IDE check and layers; a body that is not one JSON
        object of the usual shape is handed to `run`, which answers it exactly as before (400s)."""
        request = Request(scope, receive)
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, response=sub_response)
        body = await request.body()
        try:
            data = self.decode_json(body)
        except Exception:
            data = None
        query = data.get("query") if isinstance(data, dict) else None
        variables = data.get("variables") if isinstance(data, dict) else None
        extensions = data.get("extensions") if isinstance(data, dict) else None
        response: Response
        if (not isinstance(data, dict) or not isinstance(query, str) or not isinstance(variables, dict | None)
                or not isinstance(extensions, dict | None)):
            try:
                response = await self.run(request, context=context)
            except HTTPException as e:
                response = PlainTextResponse(e.reason, status_code=e.status_code)
            await response(scope, receive, send)
            return
        try:
            result = await self.schema.execute(
                query, root_value=None, variable_values=variables, context_value=context,
                operation_name=data.get("operationName"), allowed_operation_types=_POST_OPERATIONS,
                operation_extensions=extensions)
        except CannotGetOperationTypeError as e:
            response = PlainTextResponse(e.as_http_error_reason(), status_code=400)
        except InvalidOperationTypeError as e:
            response = PlainTextResponse(e.as_http_error_reason("POST"), status_code=400)
        except MissingQueryError:
            response = PlainTextResponse("No GraphQL query found in the request", status_code=400)
        else:
            response_data = await self.process_result(request=request, result=result)
            if result.errors:
                self._handle_errors(result.errors, response_data)
            response = self.create_response(response_data=response_data, sub_response=sub_response)
        await response(scope, receive, send)

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
        if await authenticate(self.runtime, headers.get(b"authorization", b""), scope, receive, send):
            await self.app(scope, receive, send)


async def authenticate(runtime: ServiceRuntime, authorization: bytes, scope: Scope, receive: Receive, send: Send
                       ) -> bool:
    """The request's principal into the scope's state (anonymous without a token); False when it was refused
    (a bad token: 401 with a typed error; identity's keys unavailable: 503)."""
    auth = authorization.decode("latin-1")
    principal = ANONYMOUS
    if auth:
        scheme, _, token = auth.partition(" ")
        try:
            if scheme.lower() != "bearer" or not token:
                raise InvalidToken("not a bearer token")
            principal = await runtime.verifier.verify(token.strip())
        except InvalidToken:
            body = {"errors": [{"message": "The access token is not valid.",
                                "extensions": {"code": "UNAUTHENTICATED"}}]}
            await JSONResponse(body, status_code=401)(scope, receive, send)
            return False
        except Exception as exc:
            if not is_outage(exc):
                raise
            # Identity's keys cannot be fetched: the token is neither good nor bad yet. Retry, not
            # sign in again; one line in the log, no traceback (it is an outage, not a bug).
            log.warning("token not verified: identity's keys are unavailable", extra={"error": repr(exc)})
            await unavailable_response()(scope, receive, send)
            return False
    scope.setdefault("state", {})["principal"] = principal
    return True


class GraphQLFront:
    """POST /graphql in one pass instead of Starlette's stack of layers, with exactly their behaviour and order:
    the body limit (by Content-Length before anything, 413 without a correlation id; then while the body
    streams in), the correlation id (echoed on every answer, the request's event context, the HTTP metrics),
    the gateway-only check (403), the token (401/503), then the GraphQL view; an unexpected exception is a
    plain 500 and is raised on to the server, as Starlette's error middleware does. The headers are read in
    one pass (each layer built a dict of them) and no router, request or exception-handler layer is crossed:
    this is a fixed cost of every subgraph call, and a gateway miss makes several."""

    def __init__(self, view: ServiceGraphQL, runtime: ServiceRuntime, secret: str,
                 correlation: CorrelationMiddleware, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.view, self.runtime, self.secret = view, runtime, secret.encode()
        self.correlation, self.max_bytes = correlation, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        max_bytes = self.max_bytes
        # Each header as the layers read it: the last one of a name (they made dicts), every Content-Length.
        cid_raw = given = address = authorization = b""
        for name, value in scope.get("headers") or ():
            if name == b"content-length":
                if declared_too_large(value, max_bytes):
                    await refuse_too_large(send, max_bytes)
                    return
            elif name == _CORRELATION:
                cid_raw = value
            elif name == _SECRET:
                given = value
            elif name == _ADDRESS:
                address = value
            elif name == b"authorization":
                authorization = value
        cid = correlation_id(cid_raw)
        header = (_CORRELATION, cid.encode())
        status, started = 500, False

        async def send_with_header(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise BodyTooLarge
            return message

        begun = time.perf_counter()
        try:
            try:
                with event_context(cid):  # a request starts a chain: no causation
                    if (await admit(scope, send_with_header, self.secret, given, address)
                            and await authenticate(self.runtime, authorization, scope, limited_receive,
                                                   send_with_header)):
                        await self.view(scope, limited_receive, send_with_header)
            finally:
                self.correlation._observe(scope.get("path", ""), status, time.perf_counter() - begun)
        except BodyTooLarge:
            if not started:
                await refuse_too_large(send, max_bytes)


class ServiceApp(Starlette):
    """The service's Starlette app; POST /graphql goes straight to its `GraphQLFront` (the same behaviour as
    the middleware stack and route, see there), everything else through Starlette as usual. A middleware added
    after `create_service_app` turns the shortcut off, so nothing added is ever skipped."""

    graphql_front: ASGIApp | None = None
    front_middleware = 0  # the user middlewares the front stands for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        front = self.graphql_front
        if (front is not None and scope["type"] == "http" and scope["method"] == "POST"
                and get_route_path(scope) == "/graphql" and len(self.user_middleware) == self.front_middleware):
            scope["app"] = self
            started = False

            async def tracking_send(message: Message) -> None:
                nonlocal started
                started = started or message["type"] == "http.response.start"
                await send(message)

            try:
                await front(scope, receive, tracking_send)
            except Exception:
                # As Starlette's ServerErrorMiddleware (not in debug, no 500 handler): a plain 500, raised on.
                if not started:
                    await PlainTextResponse("Internal Server Error", status_code=500)(scope, receive, send)
                raise
            return
        await super().__call__(scope, receive, send)


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
    thresholds = collector_thresholds()  # read now: a malformed value stops the start, said in one line

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

    view = ServiceGraphQL(schema, runtime)
    graphql_app = GatewayOnly(AuthMiddleware(view, runtime), secret)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if manage_runtime:
            await runtime.start()
            settle_after_start_up(thresholds)
        try:
            yield
        finally:
            if manage_runtime:
                await runtime.stop()

    app = ServiceApp(
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
    base = len(app.user_middleware)
    tracing.add_middleware(app, runtime.name)
    # The front shares the correlation middleware's metric children; what tracing added wraps it as it wraps
    # the stack (outermost).
    front: ASGIApp = GraphQLFront(view, runtime, secret, CorrelationMiddleware(view, runtime.name))
    for middleware in reversed(app.user_middleware[: len(app.user_middleware) - base]):
        front = middleware.cls(front, *middleware.args, **middleware.kwargs)
    app.graphql_front, app.front_middleware = front, len(app.user_middleware)
    app.state.runtime = runtime
    return app
