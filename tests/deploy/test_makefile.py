"""`make test` on a fresh machine (issue #11 point 7): `npm ci` runs only when the lockfile changed since the
last install; `make run PORT=…` serves elsewhere; the browser test's Chromium is installed when missing."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def dry_run(*args: str) -> str:
    return subprocess.run(["make", "-n", "-C", str(ROOT), *args], capture_output=True, text=True, check=True).stdout


def test_npm_ci_runs_only_when_the_lockfile_changed(tmp_path: Path) -> None:
    calls = tmp_path / "calls"
    fake = tmp_path / "bin" / "npm"  # records its calls instead of installing
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\necho \"npm $*\" >> {calls}\n")
    fake.chmod(0o755)
    node = tmp_path / "node"
    node.mkdir()
    (node / "package.json").write_text("{}")
    lock = node / "package-lock.json"
    lock.write_text('{"v": 1}')
    env = {**os.environ, "PATH": f"{fake.parent}:{os.environ['PATH']}"}

    def install() -> int:
        subprocess.run(["make", "-s", "-C", str(ROOT), "install-node", f"NPM_DIR={node}"], env=env, check=True)
        return len(calls.read_text().splitlines()) if calls.exists() else 0

    assert install() == 1  # never installed
    assert install() == 1  # installed from this lockfile: nothing to do
    lock.write_text('{"v": 2}')
    assert install() == 2  # the lockfile changed


def test_make_run_port_and_make_test_prerequisites() -> None:
    assert "kabinet run --port 8080" in dry_run("run", "PORT=8080")
    assert "kabinet run --port 8000" in dry_run("run")
    plan = dry_run("test")
    assert "chromium" in plan and "pytest" in plan
