"""Where `make test` finds its servers (issue #11 point 7): the variables win; unset, PostgreSQL and RabbitMQ
answering on 127.0.0.1 with the defaults are used without being told; otherwise a message says what to do.

This machine runs both on 127.0.0.1 with the defaults (as CI's .ci/run makes sure)."""

from __future__ import annotations

import pytest

from kabinet.testing import servers
from kabinet.testing.net import free_port


def test_the_variables_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KABINET_TEST_POSTGRES_URL", "postgresql://someone@db.example:5432/postgres")
    monkeypatch.setenv("KABINET_TEST_AMQP_URL", "amqp://u:p@mq.example:5672/")
    assert servers.postgres_admin_url() == "postgresql://someone@db.example:5432/postgres"
    assert servers.amqp_url() == "amqp://u:p@mq.example:5672/"


def test_unset_the_local_servers_with_the_defaults_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KABINET_TEST_POSTGRES_URL", raising=False)
    monkeypatch.delenv("KABINET_TEST_AMQP_URL", raising=False)
    assert servers.postgres_admin_url() == servers.LOCAL_POSTGRES_URL
    assert servers.amqp_url() == servers.LOCAL_AMQP_URL


def test_nothing_answers_and_no_docker_then_a_message_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KABINET_TEST_POSTGRES_URL", raising=False)
    monkeypatch.delenv("KABINET_TEST_AMQP_URL", raising=False)
    nobody = free_port()
    monkeypatch.setattr(servers, "LOCAL_POSTGRES_URL", f"postgresql://postgres@127.0.0.1:{nobody}/postgres")
    monkeypatch.setattr(servers, "LOCAL_AMQP_URL", f"amqp://guest:guest@127.0.0.1:{nobody}/")
    monkeypatch.setattr(servers, "_docker_reachable", lambda: False)
    with pytest.raises(servers.ServerUnavailable, match="KABINET_TEST_POSTGRES_URL") as pg:
        servers.postgres_admin_url()
    assert f"127.0.0.1:{nobody}" in str(pg.value)
    with pytest.raises(servers.ServerUnavailable, match="KABINET_TEST_AMQP_URL"):
        servers.amqp_url()
