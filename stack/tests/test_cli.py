"""`kabinet run`'s arguments: the demo's development mailbox is not served to other machines unless asked."""

from __future__ import annotations

import pytest

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
