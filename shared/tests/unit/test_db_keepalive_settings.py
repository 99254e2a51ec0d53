"""The keepalive every service's PostgreSQL connections get comes from one settings property."""

from __future__ import annotations

import pytest

from kabinet.db.engine import TcpKeepalive
from kabinet.settings import ServiceSettings


def test_defaults_find_a_silent_peer_dead_after_a_minute() -> None:
    keepalive = ServiceSettings().db_keepalive()
    assert keepalive == TcpKeepalive(30, 10, 3)
    assert keepalive is not None and keepalive.dead_after_s == 60


def test_the_environment_sets_each_part(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_KEEPALIVE_IDLE_S", "5")
    monkeypatch.setenv("DB_KEEPALIVE_INTERVAL_S", "2")
    monkeypatch.setenv("DB_KEEPALIVE_COUNT", "4")
    assert ServiceSettings().db_keepalive() == TcpKeepalive(5, 2, 4)


@pytest.mark.parametrize("part", ["DB_KEEPALIVE_IDLE_S", "DB_KEEPALIVE_INTERVAL_S", "DB_KEEPALIVE_COUNT"])
def test_any_part_zero_leaves_the_systems_defaults(monkeypatch: pytest.MonkeyPatch, part: str) -> None:
    monkeypatch.setenv(part, "0")
    assert ServiceSettings().db_keepalive() is None
