"""Per-request/per-message context carried through logs and events (correlation and causation ids)."""

from __future__ import annotations

import uuid
from contextvars import ContextVar

correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)
causation_id_var: ContextVar[str | None] = ContextVar("causation_id", default=None)


def current_correlation_id() -> str:
    """The current correlation id, starting a new one when nothing set it (e.g. a CLI command)."""
    cid = correlation_id_var.get()
    if cid is None:
        cid = uuid.uuid4().hex
        correlation_id_var.set(cid)
    return cid
