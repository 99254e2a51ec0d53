"""A service process, once started, runs the cyclic collector at the kit's thresholds (measured on billing's
month of charges; docs/performance.md), unless KABINET_GC_THRESHOLD overrides them."""

from __future__ import annotations

import gc
from types import SimpleNamespace

import pytest
import strawberry

from kabinet.cli import service_main
from kabinet.graphql.schema import subgraph_schema
from kabinet.process import GC_THRESHOLD, BadProcessSetting
from kabinet.web.app import create_service_app


@strawberry.type
class Query:
    @strawberry.field
    def ping(self) -> str:
        return "pong"


class Runtime(SimpleNamespace):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


pytestmark = pytest.mark.usefixtures("python_gc_thresholds")


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


@pytest.mark.parametrize("raw", ["20000,10", "20k,10,10", "700,-1,10"])
def test_a_malformed_override_stops_the_start_in_one_line(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("KABINET_GC_THRESHOLD", raw)
    runtime = Runtime(name="gcsvc", settings=SimpleNamespace(gateway_secret="s" * 40), verifier=None)
    with pytest.raises(BadProcessSetting, match="KABINET_GC_THRESHOLD"):
        create_service_app(runtime, subgraph_schema(Query))  # type: ignore[arg-type]
    settings = SimpleNamespace(log_level="INFO", host="127.0.0.1", port=0)

    def app_factory(_: object) -> object:
        return create_service_app(runtime, subgraph_schema(Query))  # type: ignore[arg-type]

    with pytest.raises(SystemExit) as stopped:  # said, not a traceback
        service_main("gcsvc", lambda: settings, lambda _: runtime, app_factory, ["serve"])  # type: ignore[arg-type,return-value]
    assert str(stopped.value).startswith(f"KABINET_GC_THRESHOLD={raw!r}")
