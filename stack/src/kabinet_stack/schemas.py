"""The services' printed subgraph schemas, committed as services/<name>/schema.graphql.

An API change then shows up in review, and `make schema` rewrites them after an intended change.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from kabinet_stack.services import SERVICE_NAMES

ROOT = Path(__file__).resolve().parents[3]


def printed(name: str) -> str:
    schema = importlib.import_module(f"{name}.schema.schema").schema
    return str(schema.as_str()).rstrip() + "\n"


def snapshot_path(name: str) -> Path:
    return ROOT / "services" / name / "schema.graphql"


def write_all() -> list[Path]:
    paths = []
    for name in SERVICE_NAMES:
        path = snapshot_path(name)
        path.write_text(printed(name))
        paths.append(path)
    return paths


if __name__ == "__main__":
    for path in write_all():
        print(f"wrote {path.relative_to(ROOT)}", file=sys.stderr)
