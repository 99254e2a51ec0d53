"""A service process, once started, runs the cyclic collector at the kit's thresholds (measured on billing's
month of charges; docs/performance.md), unless KABINET_GC_THRESHOLD overrides them."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
import strawberry

from kabinet.graphql.schema import subgraph_schema
from kabinet.web.app import GC_THRESHOLD, create_service_app


@strawberry.type
class Query:
    @strawberry.field
    def ping(self) -> str:
        return "pong"


class Runtime(SimpleNamespace):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@pytest.fixture(autouse=True)
def python_thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


async def _started_thresholds() -> tuple[int, ...]:
    runtime = Runtime(name="gcsvc", settings=SimpleNamespace(gateway_secret="s" * 40), verifier=None)
    app = create_service_app(runtime, subgraph_schema(Query))  # type: ignore[arg-type]
    async with app.router.lifespan_context(app):
        return gc.get_threshold()


async def test_a_started_service_collects_at_the_kits_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KABINET_GC_THRESHOLD", raising=False)
    assert GC_THRESHOLD == (20_000, 10, 10)
    assert await _started_thresholds() == GC_THRESHOLD


async def test_the_thresholds_can_be_overridden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KABINET_GC_THRESHOLD", "700,10,10")
    assert await _started_thresholds() == (700, 10, 10)
