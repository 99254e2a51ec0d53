"""OpenTelemetry tracing: off unless configured, one trace from a request to every event it causes.

Turned on by the standard ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) in
:func:`configure_tracing`, which every process calls at start-up; ``OTEL_SDK_DISABLED=true`` keeps it off.
Off, nothing is installed: the hooks below return the wrapped callable itself or a shared no-op context,
no middleware or SQL listener is added, and envelopes carry no ``traceparent``.

The spans (see docs/operations.md, "Tracing"):

- ``<METHOD> <path>`` (server): every HTTP request to the gateway or a service, continuing the caller's
  W3C ``traceparent`` header; the gateway's span per subgraph call lives in ``gateway.tracing``.
- ``<SQL verb>`` (client): each statement, only inside a traced request or event (never the relay's polls).
- ``outbox publish`` (one per relay batch, linked to each event's context) and ``publish <routing key>``
  (producer, one per event, a child of the context that wrote the event into the outbox). The event goes
  out with the producer span's ``traceparent`` in its envelope and in its AMQP headers.
- ``consume <routing key>`` (consumer): one event handled, a child of the envelope's ``traceparent``;
  ``consume batch`` for several handled in one transaction (linked to each; a child of their trace when
  they all belong to one, as a month published by one request does).

Correlation ids (``kabinet.context``) overlap with trace ids: when tracing is on and the caller sent no
``x-correlation-id``, the request's correlation id *is* its trace id, so logs, events and traces share one
key. They stay for logs and events when tracing is off.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from kabinet.events.envelope import Envelope

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from sqlalchemy.ext.asyncio import AsyncEngine
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

_PROPAGATOR = TraceContextTextMapPropagator()
_NOOP: contextlib.nullcontext[None] = contextlib.nullcontext()
_SQL_TEXT_MAX = 2000


class _Switch:
    tracer: Tracer | None = None  # None: tracing is off (set only by enable/disable)


_on = _Switch()


def enabled() -> bool:
    return _on.tracer is not None


def enable(provider: TracerProvider) -> None:
    """Trace into ``provider`` (what :func:`configure_tracing` does; tests pass one with an in-memory exporter).

    Takes effect for apps, engines and subscriptions created afterwards (they decide once, when built)."""
    _on.tracer = provider.get_tracer("kabinet")


def disable() -> None:
    _on.tracer = None


def configure_tracing(service: str) -> bool:
    """Export spans by OTLP/HTTP when the standard OpenTelemetry variables ask for it; True if tracing is on."""
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if not endpoint or os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    # Imported here: a process without tracing never loads the SDK and the exporter.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    name = os.environ.get("OTEL_SERVICE_NAME") or f"kabinet-{service}"
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    # The exporter reads the endpoint, headers and timeout from the same standard variables.
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)  # libraries that trace through the global API join the same traces
    enable(provider)
    log.info("tracing on: spans exported by OTLP", extra={"endpoint": endpoint, "service_name": name})
    return True


# -- context ------------------------------------------------------------------------------------------
def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the current span (None when tracing is off or nothing is traced)."""
    if _on.tracer is None:
        return None
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")


def current_trace_id() -> str | None:
    """The current trace's id as 32 hex digits (the format of a correlation id), or None."""
    if _on.tracer is None:
        return None
    ctx = trace.get_current_span().get_span_context()
    return trace.format_trace_id(ctx.trace_id) if ctx.is_valid else None


def current_span_ids() -> tuple[str, str] | None:
    """(trace id, span id) of the current span, for log lines; None when nothing is traced."""
    if _on.tracer is None:
        return None
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None
    return trace.format_trace_id(ctx.trace_id), trace.format_span_id(ctx.span_id)


def annotate(attributes: Mapping[str, str | int]) -> None:
    """Add attributes to the current span (e.g. the GraphQL operation to the request's span); off: nothing."""
    if _on.tracer is not None:
        trace.get_current_span().set_attributes(attributes)


def inject(headers: MutableMapping[str, str]) -> None:
    """Write the current span's ``traceparent`` (and ``tracestate``) into outgoing headers."""
    if _on.tracer is not None:
        _PROPAGATOR.inject(headers)


def _context_of(traceparent: str | None) -> Context | None:
    if not traceparent:
        return None
    ctx = _PROPAGATOR.extract({"traceparent": traceparent})
    return ctx if trace.get_current_span(ctx).get_span_context().is_valid else None


def _span_context_of(traceparent: str | None) -> trace.SpanContext | None:
    ctx = _context_of(traceparent)
    return None if ctx is None else trace.get_current_span(ctx).get_span_context()


# -- spans --------------------------------------------------------------------------------------------
def span(
    name: str, *, kind: SpanKind = SpanKind.INTERNAL, attributes: Mapping[str, str | int] | None = None,
    parent: Context | None = None,
) -> contextlib.AbstractContextManager[Any]:
    """A span made current for the block; a shared no-op when tracing is off."""
    if _on.tracer is None:
        return _NOOP
    return _on.tracer.start_as_current_span(name, context=parent, kind=kind, attributes=attributes)


class TracingMiddleware:
    """One server span per HTTP request, continuing the caller's ``traceparent`` (added only when on)."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app, self.service = app, service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _on.tracer is None:
            await self.app(scope, receive, send)
            return
        carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers") or []
                   if k in (b"traceparent", b"tracestate")}
        method, path = scope.get("method", "GET"), scope.get("path", "")
        attributes = {"http.request.method": method, "url.path": path, "kabinet.service": self.service}
        with _on.tracer.start_as_current_span(f"{method} {path}", context=_PROPAGATOR.extract(carrier),
                                           kind=SpanKind.SERVER, attributes=attributes) as current:

            async def send_traced(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                    current.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        current.set_status(Status(StatusCode.ERROR))
                await send(message)

            await self.app(scope, receive, send_traced)


def add_middleware(app: Any, service: str) -> None:
    """Trace a Starlette app's requests when tracing is on (outermost: it sees the whole request)."""
    if _on.tracer is not None:
        app.add_middleware(TracingMiddleware, service=service)


# -- SQL ----------------------------------------------------------------------------------------------
def instrument_engine(engine: AsyncEngine) -> None:
    """A client span per statement executed inside a traced request or event (when on)."""
    if _on.tracer is None:
        return
    from sqlalchemy import event

    tracer = _on.tracer
    system = engine.dialect.name

    def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        if not trace.get_current_span().is_recording():
            return  # not part of a traced request or event (e.g. the relay polling): no trace of its own
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        context._kabinet_span = tracer.start_span(verb, kind=SpanKind.CLIENT, attributes={
            "db.system.name": system, "db.query.text": statement[:_SQL_TEXT_MAX]})

    def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        current = getattr(context, "_kabinet_span", None)
        if current is not None:
            current.end()
            context._kabinet_span = None

    def failed(exception_context: Any) -> None:
        current = getattr(exception_context.execution_context, "_kabinet_span", None)
        if current is not None:
            current.set_status(Status(StatusCode.ERROR, type(exception_context.original_exception).__name__))
            current.end()
            exception_context.execution_context._kabinet_span = None

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    event.listen(engine.sync_engine, "after_cursor_execute", after)
    event.listen(engine.sync_engine, "handle_error", failed)


# -- events -------------------------------------------------------------------------------------------
PublishBatch = Callable[[Sequence[Envelope]], Awaitable[Sequence[BaseException | None]]]


async def traced_publish(service: str, envelopes: Sequence[Envelope], publish: PublishBatch) -> Sequence[
        BaseException | None]:
    """Publish a relay batch under ``outbox publish`` with a ``publish <key>`` producer span per event; each
    event leaves with its producer span's ``traceparent``. Off: ``publish(envelopes)`` and nothing else."""
    if _on.tracer is None:
        return await publish(envelopes)
    tracer = _on.tracer
    links = [Link(sc) for e in envelopes if (sc := _span_context_of(e.traceparent)) is not None]
    with tracer.start_as_current_span("outbox publish", context=Context(), links=links, attributes={
            "kabinet.service": service, "messaging.batch.message_count": len(envelopes)}) as batch:
        batch_link = [Link(batch.get_span_context())]
        producers = [
            tracer.start_span(f"publish {e.routing_key}", context=_context_of(e.traceparent) or Context(),
                              kind=SpanKind.PRODUCER, links=batch_link, attributes=_messaging(e, service))
            for e in envelopes
        ]
        outgoing = [replace(e, traceparent=_traceparent_of(p)) for e, p in zip(envelopes, producers, strict=True)]
        try:
            results = await publish(outgoing)
        except BaseException:
            for p in producers:
                p.set_status(Status(StatusCode.ERROR))
                p.end()
            raise
        for p, result in zip(producers, results, strict=True):
            if result is not None:
                p.set_status(Status(StatusCode.ERROR, type(result).__name__))
            p.end()
        return results


def _traceparent_of(s: trace.Span) -> str | None:
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier, context=trace.set_span_in_context(s))
    return carrier.get("traceparent")


def _messaging(envelope: Envelope, service: str) -> dict[str, str | int]:
    return {"messaging.system": "rabbitmq", "messaging.destination.name": envelope.routing_key,
            "messaging.message.id": envelope.id, "kabinet.service": service}


def traced_consumer(
    consumer: str, handle: Callable[[Envelope], Awaitable[None]]
) -> Callable[[Envelope], Awaitable[None]]:
    """``handle`` inside a ``consume <key>`` span continuing the event's trace (``handle`` itself when off)."""
    if _on.tracer is None:
        return handle
    tracer = _on.tracer

    async def traced(envelope: Envelope) -> None:
        attributes = {**_messaging(envelope, consumer), "messaging.consumer.group.name": consumer}
        with tracer.start_as_current_span(f"consume {envelope.routing_key}", kind=SpanKind.CONSUMER,
                                          context=_context_of(envelope.traceparent) or Context(),
                                          attributes=attributes):
            await handle(envelope)

    return traced


def traced_batch_consumer(
    consumer: str, handle: Callable[[Sequence[Envelope]], Awaitable[None]]
) -> Callable[[Sequence[Envelope]], Awaitable[None]]:
    """``handle`` inside one ``consume batch`` span linked to every event's context (``handle`` when off)."""
    if _on.tracer is None:
        return handle
    tracer = _on.tracer

    async def traced(envelopes: Sequence[Envelope]) -> None:
        contexts = [sc for e in envelopes if (sc := _span_context_of(e.traceparent)) is not None]
        # All from one trace (one request's month of lessons): the batch continues it.
        one_trace = bool(contexts) and len(contexts) == len(envelopes) and len(
            {sc.trace_id for sc in contexts}) == 1
        parent = _context_of(envelopes[0].traceparent) if one_trace else None
        with tracer.start_as_current_span("consume batch", kind=SpanKind.CONSUMER, context=parent or Context(),
                                          links=[Link(sc) for sc in contexts], attributes={
                                              "kabinet.service": consumer, "messaging.consumer.group.name": consumer,
                                              "messaging.batch.message_count": len(envelopes)}):
            await handle(envelopes)

    return traced

