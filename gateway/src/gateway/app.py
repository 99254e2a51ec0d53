"""The gateway's HTTP surface (Starlette): /graphql (GraphQL over HTTP and graphql-ws), /healthz, /readyz, /metrics,
/console (GraphiQL, with its files under /console/assets), and - with GATEWAY_WEB_DIR - the web app at /."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from graphql import OperationType
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from gateway import jsoncodec
from gateway.admission import OVERLOADED, Admission
from gateway.auth import AuthUnavailable, GatewayAuth, Unauthenticated
from gateway.cache import BINDINGS as CACHE_BINDINGS
from gateway.cache import CacheBackend, EntityCache, MemoryBackend, scope_for
from gateway.client_address import client_address
from gateway.composition.errors import CompositionError
from gateway.composition.sources import IntrospectAndCompose, SupergraphFile, SupergraphSource
from gateway.config import GatewaySettings, SubgraphConfig
from gateway.console import CONSOLE_CSP, GRAPHIQL_HTML, console_asset_response
from gateway.documents import DocumentRejected, DocumentStore, load_manifest
from gateway.execution.subgraph_client import SubgraphClient
from gateway.limits import RequestLimits
from gateway.pipeline import GatewayPipeline, GraphQLRequest, PipelineResult, RequestRejected, _Rejected
from gateway.public_paths import public_routes
from gateway.sessions import current_exchange, exchange_for, response_headers
from gateway.subscriptions.feed import EventFeed, RabbitFeed, SharedFeed, TransportFeed, instance_name
from gateway.subscriptions.protocol import GraphQLWebSocket
from gateway.subscriptions.schema import GATEWAY_SUBGRAPH, subscription_sdl
from gateway.subscriptions.service import SubscriptionService
from gateway.tracing import subgraph_client_class
from gateway.web import WebApp
from kabinet import tracing
from kabinet.auth import KeySource
from kabinet.bus.base import Transport
from kabinet.outages import SERVICE_UNAVAILABLE
from kabinet.process import settle_after_start_up
from kabinet.settings import MessagingSettings
from kabinet.web.body_limit import BodyLimitMiddleware
from kabinet.web.gateway_only import CLIENT_ADDRESS_HEADER, SECRET_HEADER, require_secret

log = logging.getLogger(__name__)

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
FORWARDED_HEADERS = ("authorization",)
CORRELATION_HEADER = "x-correlation-id"

REQUESTS = Counter("gateway_requests_total", "GraphQL requests", ["operation_type", "outcome"])
COMPOSITIONS = Counter("gateway_compositions_total", "Supergraph (re)compositions", ["outcome"])
LATENCY = Histogram("gateway_request_seconds", "GraphQL request latency", ["operation_type"])


# The labelled children of the per-request metrics, bound once per label values (a handful).
@functools.cache
def _requests_counter(operation_type: str, outcome: str) -> Counter:
    return REQUESTS.labels(operation_type, outcome)


@functools.cache
def _latency_histogram(operation_type: str) -> Histogram:
    return LATENCY.labels(operation_type)


@dataclass
class GatewayState:
    """What the lifespan builds and the handlers read; swapped whole when the supergraph changes."""

    settings: GatewaySettings
    source: SupergraphSource
    client: SubgraphClient
    auth: GatewayAuth
    documents: DocumentStore
    pipeline: GatewayPipeline | None = None
    subscriptions: SubscriptionService | None = None
    cache: EntityCache | None = None
    feed: SharedFeed | None = None
    admission: Admission | None = None
    composition_error: str | None = None
    fingerprint: str = ""
    generation: int = 0


def secret_headers(settings: GatewaySettings) -> dict[str, str]:
    """What proves to the subgraphs that a request comes from this gateway (nothing when no secret is set:
    then only subgraphs that do not ask for it, e.g. test doubles, answer)."""
    if settings.subgraph_secret is None:
        return {}
    return {SECRET_HEADER: require_secret(settings.subgraph_secret, "gateway")}


def forwarded_client(connection: HTTPConnection, settings: GatewaySettings) -> dict[str, str]:
    """The client's address for the subgraphs' per-address caps (see gateway.client_address)."""
    peer = connection.client.host if connection.client else None
    address = client_address(peer, connection.headers.get("x-forwarded-for"), settings.trusted_proxies)
    return {CLIENT_ADDRESS_HEADER: address} if address else {}


def _source_for(
    settings: GatewaySettings, subgraphs: list[SubgraphConfig], local_sdls: dict[str, str]
) -> SupergraphSource:
    if settings.supergraph_file is not None:
        return SupergraphFile(settings.supergraph_file, subgraphs, local_sdls)
    return IntrospectAndCompose(
        subgraphs,
        request_timeout_s=settings.subgraph_timeout_s,
        overall_timeout_s=settings.compose_timeout_s,
        initial_backoff_s=settings.compose_retry_initial_s,
        max_backoff_s=settings.compose_retry_max_s,
        local_sdls=local_sdls,
        headers=secret_headers(settings),
    )


def _feed_for(
    settings: GatewaySettings, event_transport: Transport | None, messaging: MessagingSettings | None
) -> SharedFeed | None:
    """The events that reach this gateway: the embedded bus (`event_transport`) or RabbitMQ
    (`messaging.amqp_url`), shared by the subscriptions and the entity cache."""
    instance = instance_name(settings.instance_id)
    feed: EventFeed
    if event_transport is not None:
        feed = TransportFeed(event_transport, instance)
    elif messaging is not None and messaging.amqp_url:
        feed = RabbitFeed(messaging, instance)
    else:
        return None
    return SharedFeed(feed)


def _cache_for(settings: GatewaySettings, feed: SharedFeed | None) -> EntityCache | None:
    """The entity cache, when configured (GATEWAY_CACHE=memory|redis); fed by the events (see gateway.cache)."""
    if settings.cache == "off":
        return None
    backend: CacheBackend
    if settings.cache == "redis":
        from gateway.cache.redis_backend import RedisBackend

        if settings.cache_url is None:
            raise ValueError("GATEWAY_CACHE=redis needs GATEWAY_CACHE_URL (redis://...)")
        backend = RedisBackend(settings.cache_url.get_secret_value(), prefix=settings.cache_prefix)
    else:
        backend = MemoryBackend(settings.cache_max_entries)
    if feed is None:
        log.warning("entity cache without events: only mutations through this gateway and the maximum age "
                    "(%.0f s) keep it true", settings.cache_max_age_s)
        return EntityCache(backend, settings.cache_max_age_s)
    view = feed.view()
    cache = EntityCache(backend, settings.cache_max_age_s, feed_healthy=lambda: view.healthy)
    feed.add(CACHE_BINDINGS, cache.handle_event)
    return cache


async def _compose(state: GatewayState) -> bool:
    """Load the supergraph; swap it in if it changed. On failure the last good one keeps serving."""
    try:
        supergraph = await state.source.load()
    except Exception as exc:  # composition errors, unreachable subgraphs, bad files
        state.composition_error = str(exc) if isinstance(exc, CompositionError) else f"{type(exc).__name__}: {exc}"
        COMPOSITIONS.labels("error").inc()
        if state.pipeline is None:
            log.error("supergraph composition failed: %s", state.composition_error)
        else:
            log.error("supergraph recomposition failed, still serving the last good one: %s", state.composition_error)
        return False
    state.composition_error = None
    fingerprint = state.source.fingerprint
    if state.pipeline is not None and fingerprint == state.fingerprint:
        COMPOSITIONS.labels("unchanged").inc()
        return True
    if isinstance(state.source, SupergraphFile):
        state.client.ensure(state.source.subgraph_configs(supergraph))
    state.pipeline = GatewayPipeline(
        supergraph,
        state.client,
        introspection_enabled=state.settings.introspection_enabled,
        subgraph_error_messages=state.settings.subgraph_error_messages,
        document_cache_size=state.settings.document_cache_size,
        plan_cache_size=state.settings.plan_cache_size,
        limits=RequestLimits(
            max_depth=state.settings.max_depth,
            max_aliases=state.settings.max_aliases,
            max_tokens=state.settings.max_tokens,
            max_fields=state.settings.max_fields,
        ),
        max_cost=state.settings.max_cost,
        cost_default_list_size=state.settings.cost_default_list_size,
        entity_cache=state.cache,
        cache_responses=state.settings.cache_responses,
        admission=state.admission,
    )
    if state.cache is not None and state.pipeline is not None and state.fingerprint:
        state.cache.backend.clear_local()  # a subgraph's schema changed: its answers may have too
    if state.fingerprint:
        log.info("supergraph changed: serving the new one (%d subgraphs)", len(supergraph.subgraphs))
    state.fingerprint = fingerprint
    state.generation += 1
    COMPOSITIONS.labels("updated").inc()
    return True


def create_gateway_app(
    settings: GatewaySettings,
    subgraphs: list[SubgraphConfig] | None = None,
    *,
    key_source: KeySource | None = None,
    event_transport: Transport | None = None,
    messaging: MessagingSettings | None = None,
    settle: tuple[int, int, int] | None = None,
) -> Starlette:
    """Build the gateway app. `subgraphs` overrides `settings.subgraphs` (embedded mode passes ASGI transports);
    `key_source` gives identity's public keys in-process (else `JWKS_URL` is used, if set). Subscriptions are
    served when events can reach the gateway: `event_transport` (the embedded bus) or `messaging` (RabbitMQ);
    the gateway's own subgraph (`gateway`, the Subscription root) is then composed into the supergraph. `settle`:
    the collector's thresholds once start-up is done (`kabinet.process`), for a process that is only the gateway."""
    configs = list(subgraphs if subgraphs is not None else settings.subgraphs)
    trusted = load_manifest(settings.trusted_documents) if settings.trusted_documents is not None else None
    feed = _feed_for(settings, event_transport, messaging)
    subscriptions = SubscriptionService(feed.view()) if feed is not None and settings.subscriptions_enabled else None
    cache = _cache_for(settings, feed)
    local_sdls = {GATEWAY_SUBGRAPH: subscription_sdl()} if subscriptions is not None else {}
    state = GatewayState(
        settings=settings,
        subscriptions=subscriptions,
        cache=cache,
        feed=feed,
        admission=Admission(settings.max_executions, settings.max_waiting) if settings.max_executions > 0 else None,
        source=_source_for(settings, configs, local_sdls),
        client=subgraph_client_class()(
            configs,
            settings.subgraph_timeout_s,
            settings.subgraph_timeouts,
            session_subgraphs=frozenset(settings.session_subgraphs),
            static_headers=secret_headers(settings),
        ),
        auth=GatewayAuth.from_settings(key_source, settings.jwks_url, settings.jwt_issuer, settings.jwt_audience),
        documents=DocumentStore(
            apq_enabled=settings.apq_enabled,
            apq_cache_size=settings.apq_cache_size,
            trusted=trusted,
            trusted_only=settings.trusted_documents_only,
        ),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        keys = state.auth.verifier.keys if state.auth.verifier is not None else None
        # Identity's keys fetched at start, not by the first requests (which wait for this one fetch).
        fetch_keys = asyncio.create_task(keys.fetch_until_done()) if keys is not None and keys.jwks_url else None
        await _compose(state)
        if state.subscriptions is not None:
            await state.subscriptions.start()
        if state.feed is not None:
            await state.feed.run()
        if settle is not None:
            settle_after_start_up(settle)

        async def keep_composing() -> None:
            # Until the first success: retry often. Then: poll for changed subgraphs (if enabled).
            while True:
                interval = settings.poll_interval_s if state.pipeline is not None else settings.compose_retry_max_s
                if interval <= 0:
                    return
                await asyncio.sleep(interval)
                await _compose(state)

        task = asyncio.create_task(keep_composing())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            if fetch_keys is not None:
                fetch_keys.cancel()
            if state.feed is not None:
                await state.feed.stop()
            if state.cache is not None:
                await state.cache.aclose()
            await state.client.aclose()

    async def graphql_endpoint(request: Request) -> Response:
        return await _handle_graphql(request, state)

    async def graphql_ws(websocket: WebSocket) -> None:
        connection = GraphQLWebSocket(
            websocket,
            pipeline=lambda: state.pipeline,
            auth=state.auth,
            documents=state.documents,
            subscriptions=state.subscriptions,
            max_operations=settings.ws_max_operations,
            max_message_bytes=settings.max_body_bytes,  # the HTTP body limit, per message
        )
        connection.headers.update(forwarded_client(websocket, settings))
        await connection.serve()

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        if state.pipeline is None:
            return JSONResponse({"status": "not ready", "reason": state.composition_error}, status_code=503)
        body: dict[str, Any] = {"status": "ready", "subgraphs": list(state.pipeline.supergraph.subgraphs)}
        if state.composition_error:
            body["last_composition_error"] = state.composition_error
        if state.subscriptions is not None and not state.subscriptions.healthy:
            # Live subscriptions would silently get nothing: not ready until the feed has its queue again.
            body.update(status="not ready", reason="the subscription feed has no queue on RabbitMQ")
            return JSONResponse(body, status_code=503)
        return JSONResponse(body)

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    async def console_asset(request: Request) -> Response:
        if not state.settings.console_enabled:
            return PlainTextResponse("The console is disabled.", status_code=404)
        return console_asset_response(request)

    async def console(request: Request) -> Response:
        if not state.settings.console_enabled:
            return PlainTextResponse("The console is disabled.", status_code=404)
        return HTMLResponse(
            GRAPHIQL_HTML,
            headers={"content-security-policy": CONSOLE_CSP, "cache-control": "no-cache",
                     "x-content-type-options": "nosniff"},
        )

    routes = [
        Route("/graphql", graphql_endpoint, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql_ws),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/console", console, methods=["GET"]),
        Route("/console/assets/{name}", console_asset, methods=["GET"]),
        *public_routes(configs, settings.subgraph_timeout_s),  # before the web app's catch-all
    ]
    if settings.web_dir is not None:
        routes.append(Route("/{path:path}", WebApp(settings.web_dir).serve, methods=["GET"]))
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={Exception: _unexpected_error})
    app.add_middleware(BodyLimitMiddleware, max_bytes=state.settings.max_body_bytes)
    tracing.add_middleware(app, "gateway")
    app.state.gateway = state
    return app


def _media_type(request: Request) -> str:
    accept = request.headers.get("accept", "")
    return GRAPHQL_RESPONSE_JSON if GRAPHQL_RESPONSE_JSON in accept else "application/json"


def _json(
    body: dict[str, Any],
    status: int,
    media_type: str,
    correlation_id: str,
    extra_headers: dict[str, str] | None = None,
    encoded: bytes | None = None,
) -> Response:
    headers = {CORRELATION_HEADER: correlation_id, **(extra_headers or {})}
    return Response(
        jsoncodec.dumps(body) if encoded is None else encoded,
        status_code=status,
        media_type=media_type,
        headers=headers,
    )


def _request_error(message: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


async def _read_request(request: Request, documents: DocumentStore) -> GraphQLRequest:
    document_id: Any = None
    if request.method == "GET":
        params = request.query_params
        query: Any = params.get("query")
        variables_raw = params.get("variables")
        extensions_raw = params.get("extensions")
        try:
            variables = json.loads(variables_raw) if variables_raw else None
        except ValueError as exc:
            raise RequestRejected("The 'variables' parameter is not valid JSON.", "BAD_REQUEST") from exc
        try:
            extensions = json.loads(extensions_raw) if extensions_raw else None
        except ValueError as exc:
            raise RequestRejected("The 'extensions' parameter is not valid JSON.", "BAD_REQUEST") from exc
        if extensions is not None and not isinstance(extensions, dict):
            raise RequestRejected("'extensions' must be a JSON object.", "BAD_REQUEST")
        operation_name = params.get("operationName") or None
        document_id = params.get("documentId")
    else:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in ("application/json", GRAPHQL_RESPONSE_JSON):
            # GraphQL over HTTP: POST bodies are JSON. Refusing the "simple" content types (text/plain, forms)
            # that a browser sends cross-site without a CORS preflight is also the CSRF prevention.
            raise UnsupportedMediaType(content_type)
        try:
            payload = jsoncodec.loads(await request.body())
        except ValueError as exc:
            raise RequestRejected("The request body is not valid JSON.", "BAD_REQUEST") from exc
        if not isinstance(payload, dict):
            raise RequestRejected("The request body must be a JSON object.", "BAD_REQUEST")
        query = payload.get("query")
        variables = payload.get("variables")
        operation_name = payload.get("operationName")
        extensions = payload.get("extensions")
        if extensions is not None and not isinstance(extensions, dict):
            raise RequestRejected("'extensions' must be a JSON object.", "BAD_REQUEST")
        document_id = payload.get("documentId")
    if query is not None and not isinstance(query, str):
        raise RequestRejected("'query' must be a string.", "BAD_REQUEST")
    query = documents.resolve(query, extensions, document_id)
    if not isinstance(query, str) or not query.strip():
        raise RequestRejected("The request has no GraphQL 'query'.", "BAD_REQUEST")
    if variables is not None and not isinstance(variables, dict):
        raise RequestRejected("'variables' must be a JSON object.", "BAD_REQUEST")
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestRejected("'operationName' must be a string.", "BAD_REQUEST")
    return GraphQLRequest(query=query, operation_name=operation_name or None, variables=variables)


class UnsupportedMediaType(Exception):
    def __init__(self, content_type: str) -> None:
        super().__init__(
            f"Unsupported content type {content_type or '(none)'!r}: POST the request as application/json."
        )


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    """A bug, not the client's doing: answered typed like every other error and without its text (the server
    logs the traceback); Starlette's default is a plain-text 500 without a code."""
    return JSONResponse({"errors": [{"message": "Internal server error.",
                                     "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]}, status_code=500)


async def _handle_graphql(request: Request, state: GatewayState) -> Response:
    # Traced: the correlation id is the trace id (one key for logs, events and traces).
    correlation_id = request.headers.get(CORRELATION_HEADER) or tracing.current_trace_id() or str(uuid.uuid4())
    media_type = _media_type(request)
    accept = request.headers.get("accept", "")
    if request.method == "GET" and "text/html" in accept and "query" not in request.query_params:
        if state.settings.console_enabled:
            # The console moved to /console (relative: behind a proxy's prefix too).
            return RedirectResponse("console", status_code=302)
        return PlainTextResponse("The console is disabled.", status_code=404)
    pipeline = state.pipeline
    if pipeline is None:
        return _json(
            _request_error("The gateway has not composed its supergraph yet.", "GATEWAY_NOT_READY"),
            503,
            media_type,
            correlation_id,
        )
    started = time.perf_counter()
    try:
        principal = await state.auth.authenticate(request.headers.get("authorization"))
    except Unauthenticated as exc:
        REQUESTS.labels("unknown", "unauthenticated").inc()
        return _json(
            _request_error(str(exc), exc.code),
            401,
            media_type,
            correlation_id,
            {"www-authenticate": 'Bearer error="invalid_token"'},
        )
    except AuthUnavailable as exc:
        REQUESTS.labels("unknown", "unavailable").inc()
        return _json(_request_error(str(exc), exc.code), 503, media_type, correlation_id, {"retry-after": "1"})
    try:
        graphql_request = await _read_request(request, state.documents)
        if request.method == "GET":
            # GraphQL over HTTP: GET may only carry queries.
            _, operation = pipeline.resolve(graphql_request)
            if operation.operation != OperationType.QUERY:
                REQUESTS.labels(operation.operation.value, "method_not_allowed").inc()
                return _json(
                    _request_error(
                        f"Can only perform a {operation.operation.value} operation from a POST request.",
                        "METHOD_NOT_ALLOWED",
                    ),
                    405,
                    media_type,
                    correlation_id,
                    {"allow": "POST"},
                )
    except DocumentRejected as exc:
        REQUESTS.labels("unknown", "persisted_query").inc()
        return _json(_request_error(str(exc), exc.code), exc.status, media_type, correlation_id)
    except UnsupportedMediaType as exc:
        REQUESTS.labels("unknown", "bad_request").inc()
        return _json(_request_error(str(exc), "UNSUPPORTED_MEDIA_TYPE"), 415, media_type, correlation_id)
    except RequestRejected as exc:
        REQUESTS.labels("unknown", "bad_request").inc()
        return _json(_request_error(str(exc), exc.code), 400, media_type, correlation_id)
    except _Rejected as rejected:
        REQUESTS.labels("unknown", "invalid").inc()
        return _json({"errors": list(rejected.prepared.errors)}, 400, media_type, correlation_id)

    headers = {CORRELATION_HEADER: correlation_id, **forwarded_client(request, state.settings)}
    for name in FORWARDED_HEADERS:
        value = request.headers.get(name)
        if value is not None:
            headers[name] = value
    # The web app's session cookie goes to the session subgraphs only, and their cookies come back (sessions);
    # with mutations only (the pipeline drops it for a query: see GatewayPipeline.execute).
    exchange = exchange_for(request.cookies, request.headers) if request.method == "POST" else None
    reset = current_exchange.set(exchange) if exchange is not None else None
    try:
        result: PipelineResult = await pipeline.execute(
            graphql_request,
            headers,
            # Cached per principal: only when the gateway verified the token (else it cannot tell whose it is).
            cache_scope=scope_for(principal) if principal is not None and state.cache is not None else None,
        )
    finally:
        if reset is not None:
            current_exchange.reset(reset)
    operation_type = result.operation_type.value if result.operation_type else "unknown"
    _latency_histogram(operation_type).observe(time.perf_counter() - started)
    outcome = "invalid" if result.request_error else ("error" if result.body.get("errors") else "ok")
    _requests_counter(operation_type, outcome).inc()
    tracing.annotate({"graphql.operation.type": operation_type, "graphql.operation.name":
                      graphql_request.operation_name or "", "kabinet.graphql.outcome": outcome})
    status = _status_for(result)
    response = _json(
        result.body, status, media_type, correlation_id, {"retry-after": "1"} if status == 503 else None,
        encoded=result.encoded,
    )
    if exchange is not None:
        response.raw_headers.extend(response_headers(exchange))
    return response


_RETRY_LATER = frozenset({SERVICE_UNAVAILABLE, OVERLOADED})


def _status_for(result: PipelineResult) -> int:
    """400 for a request error; 503 (with Retry-After) when nothing could be answered because a service (or
    its database) is down or the gateway's queue is full, so clients retry; else 200 (partial data with errors
    included)."""
    if result.request_error:
        return 400
    errors = result.body.get("errors") or ()
    if result.body.get("data") is None and any(
        (e.get("extensions") or {}).get("code") in _RETRY_LATER for e in errors if isinstance(e, dict)
    ):
        return 503
    return 200
