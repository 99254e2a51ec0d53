"""Secrets of embedded mode: made at random once per data directory and kept there (never a built-in default)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def local_secret(data_dir: Path, name: str) -> str:
    """The secret ``name`` of this data directory: read from ``<data_dir>/<name>``, or made and written there
    (readable by its owner only) at the first start."""
    path = data_dir / name
    if path.exists():
        value = path.read_text().strip()
        if value:
            return value
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    # O_EXCL: two processes starting on one directory keep the one written first.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip() or value
    with os.fdopen(fd, "w") as out:
        out.write(value + "\n")
    return value
