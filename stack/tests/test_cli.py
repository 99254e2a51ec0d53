"""`kabinet run`'s arguments: the demo's development mailbox is not served to other machines unless asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kabinet_stack import cli
from kabinet_stack.cli import is_loopback, main


def test_only_loopback_addresses_count_as_this_machine() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10") and not is_loopback("example.org")


def test_listening_beyond_this_machine_needs_allow_remote(capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KABINET_ALLOW_REMOTE", raising=False)
    with pytest.raises(SystemExit) as refused:
        main(["run", "--host", "0.0.0.0"])
    assert refused.value.code == 2
    assert "--allow-remote" in capsys.readouterr().err


def test_kabinet_run_holds_websocket_messages_to_the_gateways_body_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As `kabinet-gateway serve` does: uvicorn refuses a larger WebSocket message before buffering it whole."""
    import uvicorn

    served: dict[str, Any] = {}

    def run(app: Any, **options: Any) -> None:
        served["config"] = uvicorn.Config(app, **options)

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.setattr(cli, "configure_logging", lambda *_: None)
    monkeypatch.setattr(cli, "configure_tracing", lambda *_: None)
    monkeypatch.setenv("GATEWAY_MAX_BODY_BYTES", "4096")
    main(["run", "--no-web", "--no-demo", "--data-dir", str(tmp_path)])
    assert served["config"].ws_max_size == 4096
