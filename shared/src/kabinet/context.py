"""Per-request/per-message context carried through logs and events (correlation and causation ids).

The variables are only ever set through :func:`event_context` (or with a token that is reset, as the web
middleware does), so a context never outlives the request or event it belongs to: a worker task that
handles event after event, or publishes after the handling ended, never carries a stale id.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)
causation_id_var: ContextVar[str | None] = ContextVar("causation_id", default=None)


@dataclass(frozen=True, slots=True)
class EventContext:
    """The ids an event published now would carry; captured to publish later on the same behalf."""

    correlation_id: str | None = None
    causation_id: str | None = None


def current_context() -> EventContext:
    return EventContext(correlation_id_var.get(), causation_id_var.get())


@contextlib.contextmanager
def event_context(correlation_id: str | None, causation_id: str | None = None) -> Iterator[EventContext]:
    """The context of one request or event, reset on the way out (also on errors)."""
    ctok = correlation_id_var.set(correlation_id)
    ktok = causation_id_var.set(causation_id)
    try:
        yield EventContext(correlation_id, causation_id)
    finally:
        causation_id_var.reset(ktok)
        correlation_id_var.reset(ctok)


def current_correlation_id() -> str:
    """The current correlation id, or a new one when nothing set it (e.g. a CLI command). The new one
    is not stored in the context: it would leak into whatever the task does next."""
    return correlation_id_var.get() or uuid.uuid4().hex
