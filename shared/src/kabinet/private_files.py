"""Files only their owner may read (keys and secrets kept in a data directory), made once and never rewritten."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path


def kept_private(path: Path, make: Callable[[], str]) -> str:
    """The text of ``path``, or ``make()`` written there at the first call, readable by its owner only.

    The text goes into a temporary file opened with mode 0600 (never a wider mode, not even for a moment; the umask
    can only narrow it) and is linked to ``path`` whole: a reader never sees a half-written file, and when two
    processes start on one directory at once the first link wins and the other process reads that one.
    """
    if path.exists():
        return path.read_text()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = make()
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return path.read_text()  # another process linked its own first: every process uses that one
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    return text
