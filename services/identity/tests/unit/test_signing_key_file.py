"""The embedded mode's signing-key file is made readable by its owner only from the moment it exists."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from identity.keys import load_signing_key
from identity.settings import IdentitySettings


@pytest.fixture
def open_umask_and_no_chmod(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Umask 0 and every chmod ignored: the file keeps the mode it was created with, so a file written wide open
    and narrowed afterwards (readable by others in between) shows that mode."""
    for owner, name in ((os, "chmod"), (os, "fchmod"), (os, "lchmod"), (Path, "chmod"), (Path, "lchmod")):
        if hasattr(owner, name):
            monkeypatch.setattr(owner, name, lambda *args, **kwargs: None)
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def test_the_signing_key_file_is_created_owner_only(tmp_path: Path, open_umask_and_no_chmod: None) -> None:
    settings = IdentitySettings(data_dir=tmp_path / "data", jwt_private_key=None)
    key = load_signing_key(settings)
    path = tmp_path / "data" / "identity-signing-key.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_signing_key(settings).kid == key.kid  # kept: the next start reads the same key
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left behind
