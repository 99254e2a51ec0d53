"""`make test` on a fresh machine (issue #11 point 7): `npm ci` runs only when the lockfile changed since the
last install; `make run PORT=…` serves elsewhere; the browser test's Chromium is installed when missing."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def dry_run(*args: str) -> str:
    return subprocess.run(["make", "-n", "-C", str(ROOT), *args], capture_output=True, text=True, check=True).stdout


def test_npm_ci_runs_only_when_the_lockfile_changed(tmp_path: Path) -> None:
    node = tmp_path / "node"
    (node / "node_modules").mkdir(parents=True)
    lock = node / "package-lock.json"
    lock.write_text("{}")
    past = time.time() - 3600
    os.utime(lock, (past, past))
    assert "npm ci" in dry_run("install-node", f"NPM_DIR={node}")  # never installed
    (node / "node_modules" / ".installed-from-lockfile").touch()
    assert "npm ci" not in dry_run("install-node", f"NPM_DIR={node}")  # installed from this lockfile
    lock.write_text('{"changed": true}')
    assert "npm ci" in dry_run("install-node", f"NPM_DIR={node}")  # the lockfile changed


def test_make_run_port_and_make_test_prerequisites() -> None:
    assert "kabinet run --port 8080" in dry_run("run", "PORT=8080")
    assert "kabinet run --port 8000" in dry_run("run")
    plan = dry_run("test")
    assert "chromium" in plan and "pytest" in plan
