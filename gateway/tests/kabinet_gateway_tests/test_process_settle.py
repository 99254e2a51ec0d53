"""`kabinet-gateway serve` is a process of its own: once composed, it freezes what start-up built and collects at
the kit's thresholds, as the services do; in the embedded stack (one process with the services) it leaves both."""

from __future__ import annotations

import gc

import pytest

from gateway.app import create_gateway_app
from gateway.config import GatewaySettings
from kabinet_gateway_tests.conftest import RecordedRequest, subgraph_configs

pytestmark = pytest.mark.usefixtures("python_gc_thresholds")


@pytest.mark.parametrize("settle", [(20_000, 10, 10), None])
async def test_a_started_gateway_settles_only_when_asked(settle: tuple[int, int, int] | None) -> None:
    log: list[RecordedRequest] = []
    app = create_gateway_app(GatewaySettings(compose_timeout_s=5), subgraph_configs(log), settle=settle)
    async with app.router.lifespan_context(app):
        assert gc.get_threshold() == (settle or (700, 10, 10))
        assert (gc.get_freeze_count() > 0) == (settle is not None)
