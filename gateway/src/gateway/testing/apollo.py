"""Compose subgraph SDLs with Apollo's reference composition (`tests/node/compose.mjs`) to cross-check ours."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ComposeResult:
    errors: list[dict[str, str | None]]
    supergraph_sdl: str | None
    hints: list[dict[str, str | None]] = field(default_factory=list)
    # The client-facing API schema Apollo derives from the supergraph, printed lexicographically sorted.
    api_schema_sdl: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and self.supergraph_sdl is not None


class ApolloHarnessMissing(RuntimeError):
    pass


def node_harness_dir() -> Path:
    """`tests/node` of the repository (found by walking up from this file)."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "tests" / "node" / "compose.mjs"
        if candidate.is_file():
            return candidate.parent
    raise ApolloHarnessMissing("tests/node/compose.mjs not found above " + str(Path(__file__).parent))


def compose_with_apollo(sdls: dict[str, str], timeout_s: float = 120.0) -> ComposeResult:
    harness = node_harness_dir()
    node = shutil.which("node")
    if node is None:
        raise ApolloHarnessMissing("node is not installed; it is needed for Apollo composition checks")
    if not (harness / "node_modules" / "@apollo" / "composition").is_dir():
        raise ApolloHarnessMissing(
            f"{harness}/node_modules is missing: run `npm ci --prefix tests/node` from the repository root"
        )
    payload = {"subgraphs": [{"name": n, "url": f"http://{n}/graphql", "sdl": s} for n, s in sdls.items()]}
    completed = subprocess.run(
        [node, str(harness / "compose.mjs")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=timeout_s,
        cwd=harness,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"compose.mjs failed ({completed.returncode}): {completed.stderr[-2000:]}")
    result = json.loads(completed.stdout)
    return ComposeResult(
        errors=result.get("errors") or [],
        supergraph_sdl=result.get("supergraphSdl"),
        hints=result.get("hints") or [],
        api_schema_sdl=result.get("apiSchemaSdl"),
    )
