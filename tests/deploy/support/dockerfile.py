"""deploy/docker: the Dockerfile's instructions and .dockerignore's rules."""

from __future__ import annotations

import re
from pathlib import Path

from .facts import DOCKERFILE, ROOT


def dockerfile_instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with line continuations joined and comments dropped."""
    out: list[tuple[str, str]] = []
    buf = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if buf and line.startswith("#"):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        word, _, rest = buf.partition(" ")
        out.append((word.upper(), rest.strip()))
        buf = ""
    return out


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def dockerignored(relpath: str, patterns: list[str]) -> bool:
    """Whether .dockerignore excludes relpath (Go filepath.Match plus `**`, trailing-slash and `!` rules)."""
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        pat = pat.strip("/")
        regex = "^"
        i = 0
        while i < len(pat):
            if pat.startswith("**/", i):
                regex += "(?:.*/)?"
                i += 3
            elif pat.startswith("**", i):
                regex += ".*"
                i += 2
            elif pat[i] == "*":
                regex += "[^/]*"
                i += 1
            elif pat[i] == "?":
                regex += "[^/]"
                i += 1
            elif pat[i] == "[":
                j = pat.index("]", i)
                regex += pat[i : j + 1]
                i = j + 1
            else:
                regex += re.escape(pat[i])
                i += 1
        # a pattern matching a directory excludes everything below it
        if re.match(regex + "(?:/.*)?$", relpath):
            excluded = not negate
    return excluded
