"""Tracing for tests: spans kept in memory (``kabinet.tracing`` on for the block, off after)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from kabinet import tracing


@contextmanager
def spans_in_memory() -> Iterator[InMemorySpanExporter]:
    """Turn tracing on into an in-memory exporter; apps, engines and subscriptions built inside are traced."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.enable(provider)
    try:
        yield exporter
    finally:
        tracing.disable()
        provider.shutdown()
