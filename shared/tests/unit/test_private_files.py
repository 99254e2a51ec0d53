"""kept_private: one file per name, owner-only from its creation, the same text for every concurrent maker."""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kabinet.private_files import kept_private


def test_concurrent_makers_all_get_the_text_linked_first(tmp_path: Path) -> None:
    path = tmp_path / "dir" / "secret"
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda i: kept_private(path, lambda: f"value-{i}"), range(32)))
    assert len(set(got)) == 1 and path.read_text() == got[0]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.listdir(path.parent) == ["secret"]
