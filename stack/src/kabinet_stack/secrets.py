"""Secrets of embedded mode: made at random once per data directory and kept there (never a built-in default)."""

from __future__ import annotations

import secrets
from pathlib import Path

from kabinet.private_files import kept_private


def local_secret(data_dir: Path, name: str) -> str:
    """The secret ``name`` of this data directory: read from ``<data_dir>/<name>``, or made and written there
    (readable by its owner only) at the first start."""
    return kept_private(data_dir / name, lambda: secrets.token_urlsafe(32) + "\n").strip()
