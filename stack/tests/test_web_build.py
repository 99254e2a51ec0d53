"""`kabinet run` builds the web app only when its build is missing or stale (a placeholder app stands in for web/:
npm ci and the build each leave a line in calls.log)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kabinet_stack.testing import write_placeholder_web_app
from kabinet_stack.web_build import BUILD_STAMP, ensure_built

DOCUMENTS = {"Me": "query Me { me { id } }"}


def calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "calls.log"
    return log.read_text().split() if log.exists() else []


@pytest.fixture
def app(tmp_path: Path) -> Path:
    return write_placeholder_web_app(tmp_path / "web", DOCUMENTS)


def test_a_missing_build_is_made_once_and_a_second_start_builds_nothing(app: Path, tmp_path: Path) -> None:
    first = ensure_built(app)
    assert first.dist == app / "dist" and first.built_now and first.problem is None
    assert first.manifest is not None
    assert list(json.loads(first.manifest.read_text()).values()) == ["query Me { me { id } }"]
    assert calls(tmp_path) == ["ci", "build"]
    assert (app / "dist" / BUILD_STAMP).is_file()
    second = ensure_built(app)
    assert second.dist == app / "dist" and not second.built_now
    assert calls(tmp_path) == ["ci", "build"]


def test_a_changed_source_rebuilds_without_npm_ci_and_a_changed_lockfile_reinstalls(app: Path, tmp_path: Path) -> None:
    ensure_built(app)
    (app / "src" / "version.txt").write_text("2")
    assert ensure_built(app).built_now
    assert calls(tmp_path) == ["ci", "build", "build"]
    assert (app / "dist" / "assets" / "app-2.js").is_file()
    lock = json.loads((app / "package-lock.json").read_text())
    lock["version"] = lock["packages"][""]["version"] = "0.0.1"
    (app / "package-lock.json").write_text(json.dumps(lock))
    assert ensure_built(app).built_now
    assert calls(tmp_path) == ["ci", "build", "build", "ci", "build"]
    # Files that are not sources (the build, node_modules, hidden files) never make the build stale.
    (app / "dist" / "extra.txt").write_text("x")
    (app / ".eslintcache").write_text("x")
    assert not ensure_built(app).built_now


def test_without_node_there_is_no_build_and_a_clear_reason(app: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    missing = ensure_built(app)
    assert missing.dist is None and missing.manifest is None
    assert missing.problem is not None and "Node.js 20" in missing.problem
    assert calls(tmp_path) == []


def test_a_stale_build_is_still_served_when_node_is_missing(app: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    ensure_built(app)
    (app / "src" / "version.txt").write_text("3")
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    stale = ensure_built(app)
    assert stale.dist == app / "dist" and stale.problem is not None and "previous build" in stale.problem


def test_no_web_app_at_all(tmp_path: Path) -> None:
    nothing = ensure_built(tmp_path / "web")
    assert nothing.dist is None and nothing.problem is not None and "no web app" in nothing.problem


def test_a_build_without_its_sources_is_served_as_it_is(tmp_path: Path) -> None:
    """The all-in-one image carries web/dist only (no package.json, no Node)."""
    (tmp_path / "web" / "dist").mkdir(parents=True)
    (tmp_path / "web" / "dist" / "index.html").write_text("<!doctype html>")
    prebuilt = ensure_built(tmp_path / "web")
    assert prebuilt.dist == tmp_path / "web" / "dist" and prebuilt.problem is None and prebuilt.manifest is None
