"""kabinet.tracing: nothing at all when off; with it on, one trace across the outbox and the bus."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import text

from kabinet import tracing
from kabinet.bus.base import Subscription
from kabinet.bus.memory import InProcessTransport
from kabinet.db.engine import create_engine
from kabinet.events.envelope import Envelope
from kabinet.testing.tracing import spans_in_memory


def envelope(**kw: str | None) -> Envelope:
    return Envelope(type="identity.student.registered", version=1, producer="identity", payload={"a": 1}, **kw)


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    with spans_in_memory() as exporter:
        yield exporter


async def handler(_: Envelope) -> None:
    return None


async def batch_handler(_: Sequence[Envelope]) -> None:
    return None


def test_off_by_default_and_the_hooks_are_the_handlers_themselves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    assert tracing.configure_tracing("billing") is False
    assert not tracing.enabled()
    assert tracing.traced_consumer("billing", handler) is handler
    assert tracing.traced_batch_consumer("billing", batch_handler) is batch_handler
    assert tracing.current_traceparent() is None and tracing.current_trace_id() is None
    assert isinstance(tracing.span("x"), contextlib.nullcontext)
    # The envelope is what it was before tracing existed.
    assert "traceparent" not in envelope().to_dict()


def test_disabled_explicitly_even_with_an_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert tracing.configure_tracing("billing") is False
    assert not tracing.enabled()


def test_the_envelope_carries_its_traceparent() -> None:
    tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    assert Envelope.from_json(envelope(traceparent=tp).to_json()).traceparent == tp
    body = envelope().to_dict() | {"traceparent": 42}  # a producer's bug is not a malformed event
    assert Envelope.from_dict(body).traceparent is None


async def test_an_event_continues_the_trace_that_wrote_it(spans: InMemorySpanExporter) -> None:
    bus = InProcessTransport()
    await bus.connect()
    seen: list[str | None] = []

    async def record(e: Envelope) -> None:
        seen.append(tracing.current_trace_id())

    await bus.subscribe(Subscription("billing", ("identity.student.registered.v1",),
                                     tracing.traced_consumer("billing", record)))
    with tracing.span("request") as request:
        written = envelope(traceparent=tracing.current_traceparent())
    results = await tracing.traced_publish("identity", [written], bus.publish_batch)

    assert results == [None]
    finished = {s.name: s for s in spans.get_finished_spans()}
    producer, consumer = finished["publish identity.student.registered.v1"], finished[
        "consume identity.student.registered.v1"]
    assert producer.kind == SpanKind.PRODUCER and consumer.kind == SpanKind.CONSUMER
    trace_id = request.get_span_context().trace_id
    assert producer.parent is not None and producer.parent.span_id == request.get_span_context().span_id
    assert consumer.parent is not None and consumer.parent.span_id == producer.context.span_id
    assert seen == [f"{trace_id:032x}"]
    # The relay's batch is a trace of its own, linked to the events it carried.
    batch = finished["outbox publish"]
    assert batch.parent is None and [link.context.trace_id for link in batch.links] == [trace_id]


async def test_sql_is_traced_only_inside_a_traced_request(spans: InMemorySpanExporter, tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))  # e.g. the relay polling: no trace of its own
            with tracing.span("request") as request:
                await conn.execute(text("SELECT 2"))
    finally:
        await engine.dispose()
    sql = [s for s in spans.get_finished_spans() if s.kind == SpanKind.CLIENT]
    assert [(s.name, (s.attributes or {}).get("db.query.text")) for s in sql] == [("SELECT", "SELECT 2")]
    assert sql[0].parent is not None and sql[0].parent.span_id == request.get_span_context().span_id


def test_with_an_endpoint_spans_are_exported_by_otlp(monkeypatch: pytest.MonkeyPatch) -> None:
    received: list[tuple[str, bytes]] = []

    class Collector(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append((self.path, self.rfile.read(int(self.headers["content-length"]))))
            self.send_response(200)
            self.send_header("content-type", "application/x-protobuf")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.delenv("OTEL_SDK_DISABLED", raising=False)
    try:
        assert tracing.configure_tracing("billing") is True
        with tracing.span("a request"):
            pass
        provider = trace.get_tracer_provider()
        assert isinstance(provider, TracerProvider)
        provider.shutdown()  # flushes the batch, and stops its thread
    finally:
        tracing.disable()
        server.shutdown()
    [(path, body)] = received
    assert path == "/v1/traces" and b"a request" in body and b"kabinet-billing" in body
