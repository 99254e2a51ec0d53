"""`kabinet run` builds the web app (web/) when its build is missing or stale, so `make run` is still the one
command on a fresh machine.

Stale means: the sources changed since the last build. A stamp in the build (`dist/.kabinet-build`) holds a hash of
package-lock.json and of every file of the app except node_modules/, dist/ and hidden files; a start whose hash
matches builds nothing (and needs no Node). `npm ci` runs only when package-lock.json changed since node_modules/
was installed (its own stamp, `node_modules/.kabinet-lock`, goes when npm ci replaces the folder), then
`npm run build`. Two starts at once take turns (a lock file per app directory in the temp directory).

Node 20 or newer is needed only to build. Without it - or when the build fails - the gateway still runs and the
console works; the banner says why there is no cabinet (a stale build is still served, with a warning).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO_WEB = Path(__file__).resolve().parents[3] / "web"
BUILD_STAMP = ".kabinet-build"
LOCK_STAMP = ".kabinet-lock"
MANIFEST = "persisted-documents.json"
NODE_MAJOR = 20
_SKIPPED_DIRS = {"node_modules", "dist", "coverage", "test-results", "playwright-report"}


@dataclass(frozen=True)
class WebBuild:
    """What `kabinet run` serves: the build directory and its documents manifest, or why there is none."""

    dist: Path | None
    manifest: Path | None
    built_now: bool = False
    problem: str | None = None  # why there is no (fresh) build; the console works regardless


def source_hash(source: Path) -> str:
    """A hash of what the build is made from: package-lock.json first, then every other file by path."""
    digest = hashlib.sha256()
    lock = source / "package-lock.json"
    digest.update(lock.read_bytes() if lock.exists() else b"")
    for path in sorted(_source_files(source)):
        digest.update(path.relative_to(source).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _source_files(source: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(source):
        dirs[:] = [d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith(".")]
        for name in files:
            if not name.startswith(".") and not name.endswith(".tsbuildinfo"):
                yield Path(root) / name


def lock_hash(source: Path) -> str:
    lock = source / "package-lock.json"
    return hashlib.sha256(lock.read_bytes() if lock.exists() else b"").hexdigest()


def node_problem(node: str | None = None) -> str | None:
    """None when Node >= 20 and npm are on PATH, else what is missing."""
    node = node or shutil.which("node")
    if node is None or shutil.which("npm") is None:
        return f"Node.js {NODE_MAJOR} (node and npm) is not installed"
    try:
        version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30,
                                 check=False).stdout.strip()  # a failing node is told below by its version
    except (OSError, subprocess.SubprocessError):
        return f"Node.js {NODE_MAJOR} is not installed (`node --version` failed)"
    found = re.match(r"v(\d+)\.", version)
    if found is None or int(found.group(1)) < NODE_MAJOR:
        return f"Node.js {NODE_MAJOR} or newer is needed to build the web app (found {version or 'no version'})"
    return None


@contextlib.contextmanager
def _build_lock(source: Path) -> Iterator[None]:
    key = hashlib.sha256(str(source.resolve()).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"kabinet-web-build-{key}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(command: list[str], source: Path) -> str | None:
    """Run an npm command in the app's directory (its output goes to ours); None, or what failed."""
    print(f"kabinet run: web/ $ {' '.join(command)}", flush=True)
    try:
        completed = subprocess.run(command, cwd=source, check=False)
    except OSError as exc:
        return f"`{' '.join(command)}` could not start: {exc}"
    return None if completed.returncode == 0 else f"`{' '.join(command)}` failed (exit {completed.returncode})"


def _result(dist: Path, *, built_now: bool = False, problem: str | None = None) -> WebBuild:
    manifest = dist / MANIFEST
    return WebBuild(dist, manifest if manifest.is_file() else None, built_now, problem)


def ensure_built(source: Path = REPO_WEB) -> WebBuild:
    """Build `source` if its build is missing or stale; say what to serve."""
    dist = source / "dist"
    if not (source / "package.json").is_file():
        if (dist / "index.html").is_file():
            return _result(dist)  # a build without its sources (the all-in-one image): served as it is
        return WebBuild(None, None, problem=f"there is no web app in {source}")
    with _build_lock(source):
        wanted = source_hash(source)
        stamp = dist / BUILD_STAMP
        has_build = (dist / "index.html").is_file()
        if has_build and stamp.is_file() and stamp.read_text().strip() == wanted:
            return _result(dist)
        missing_node = node_problem()
        if missing_node is not None:
            return _unbuilt(dist, has_build, f"{missing_node}: the web app is not built")
        lock_stamp = source / "node_modules" / LOCK_STAMP
        installed = lock_stamp.read_text().strip() if lock_stamp.is_file() else None
        if installed != lock_hash(source):
            failed = _run(["npm", "ci", "--no-audit", "--no-fund"], source)
            if failed is not None:
                return _unbuilt(dist, has_build, failed)
            lock_stamp.parent.mkdir(exist_ok=True)  # npm makes no node_modules/ for an app without dependencies
            lock_stamp.write_text(lock_hash(source))
        failed = _run(["npm", "run", "build"], source)
        if failed is not None:
            return _unbuilt(dist, (dist / "index.html").is_file(), failed)
        if not (dist / "index.html").is_file():
            return WebBuild(None, None, problem=f"`npm run build` left no {dist / 'index.html'}")
        # The hash after the build: a file the build itself writes among the sources cannot make every start stale.
        stamp.write_text(source_hash(source))
        return _result(dist, built_now=True)


def _unbuilt(dist: Path, has_build: bool, problem: str) -> WebBuild:
    if has_build:
        return _result(dist, problem=f"{problem}; serving the previous build")
    return WebBuild(None, None, problem=problem)
