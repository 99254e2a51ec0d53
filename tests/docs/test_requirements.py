"""Every requirement id the code, tests and docs cite (R-FAM-3, ...) is defined in docs/requirements.md."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENT = re.compile(r"\bR-[A-Z]{3}-\d+\b")
DEFINED = re.compile(r"^\| (R-[A-Z]{3}-\d+) \|", re.MULTILINE)


def cited() -> dict[str, str]:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    found: dict[str, str] = {}
    for name in files:
        path = ROOT / name
        if name == "docs/requirements.md" or path.suffix not in {".py", ".md", ".graphql", ".ts", ".tsx"}:
            continue
        if not path.is_file():
            continue
        for match in REQUIREMENT.findall(path.read_text(encoding="utf-8", errors="replace")):
            found.setdefault(match, name)
    return found


def test_every_cited_requirement_is_defined() -> None:
    defined = set(DEFINED.findall((ROOT / "docs/requirements.md").read_text(encoding="utf-8")))
    missing = {rid: where for rid, where in cited().items() if rid not in defined}
    assert not missing, f"requirement ids cited but not in docs/requirements.md: {missing}"


def test_the_page_defines_each_id_once() -> None:
    ids = DEFINED.findall((ROOT / "docs/requirements.md").read_text(encoding="utf-8"))
    assert len(ids) == len(set(ids)) >= 45
