"""The web app (the family cabinet and the others), served by the gateway from the same origin as /graphql.

`GATEWAY_WEB_DIR` names a built app (Vite's `dist/`: index.html, hashed files under assets/, the web app
manifest and icons). `/` and every other GET that is neither a file of the directory nor an API route get
index.html (the app routes in the browser); a missing file under assets/ or with an extension is a 404, never
index.html, so a stale hashed URL cannot come back as HTML.

Caching: assets/ carry content hashes in their names, so they are cached for a year (immutable); everything else
(index.html first) is `no-cache` - revalidated by ETag each time, so a new build reaches the browser on the next
load. Text files are sent gzip-compressed when the browser accepts it (compressed once, kept in memory).

Every response carries the app's Content-Security-Policy: only this origin's scripts, styles, images (and data:
images) and connections (the WebSocket of /graphql included), no framing, no <base> elsewhere - so index.html
has no inline <script> or <style>.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

# Paths the SPA fallback never answers: the gateway's and the stack's own routes.
API_PREFIXES = ("/graphql", "/console", "/healthz", "/readyz", "/metrics", "/services/", "/calendar/", "/.well-known/")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
_MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".txt": "text/plain; charset=utf-8",
}
_COMPRESSIBLE = {".html", ".js", ".mjs", ".css", ".json", ".webmanifest", ".map", ".svg", ".txt", ".ico"}
_GZIP_MIN_BYTES = 512
_HOST = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")


def app_csp(host: str | None) -> str:
    """The app's policy. `connect-src 'self'` covers ws:/wss: of the same host in CSP 3 browsers; the WebSocket
    origins are also named for browsers that read 'self' as http(s) only."""
    sockets = f" ws://{host} wss://{host}" if host and _HOST.match(host) else ""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'{sockets}; frame-ancestors 'none'; base-uri 'self'"
    )


@dataclass(frozen=True)
class _File:
    stamp: tuple[int, int]  # mtime_ns, size: a rebuilt file is read again
    body: bytes
    gzipped: bytes | None
    etag: str
    media_type: str


class WebApp:
    def __init__(self, directory: Path) -> None:
        self.root = directory.resolve()
        self._files: dict[Path, _File] = {}

    def _locate(self, url_path: str) -> Path | None:
        """The file under the root that the URL names, or None (missing, a directory, or outside the root)."""
        parts = PurePosixPath(url_path).parts[1:]
        if any(p in ("..", ".") or p.startswith(".") or "\\" in p or "\x00" in p for p in parts):
            return None
        candidate = self.root.joinpath(*parts).resolve() if parts else self.root / "index.html"
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate

    def _load(self, path: Path) -> _File:
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._files.get(path)
        if cached is not None and cached.stamp == stamp:
            return cached
        body = path.read_bytes()
        gzipped = None
        if path.suffix in _COMPRESSIBLE and len(body) >= _GZIP_MIN_BYTES:
            gzipped = gzip.compress(body, compresslevel=9, mtime=0)
        media_type = _MEDIA_TYPES.get(path.suffix, "application/octet-stream")
        loaded = _File(stamp, body, gzipped, f'"{hashlib.sha256(body).hexdigest()[:20]}"', media_type)
        self._files[path] = loaded
        return loaded

    async def serve(self, request: Request) -> Response:
        path = request.url.path
        headers = {
            "content-security-policy": app_csp(request.headers.get("host")),
            "x-content-type-options": "nosniff",
            "referrer-policy": "same-origin",
        }
        if path.startswith(API_PREFIXES) or path in ("/graphql", "/console"):
            return PlainTextResponse("Not found.", status_code=404, headers=headers)
        found = self._locate(path)
        if found is None:
            last = PurePosixPath(path).name
            if path.startswith("/assets/") or "." in last:
                return PlainTextResponse("Not found.", status_code=404, headers=headers)
            found = self._locate("/index.html")
            if found is None:
                return PlainTextResponse(
                    "The web app is not built (no index.html in GATEWAY_WEB_DIR).", status_code=404, headers=headers
                )
        file = self._load(found)
        headers["cache-control"] = IMMUTABLE if path.startswith("/assets/") else REVALIDATE
        headers["etag"] = file.etag
        headers["vary"] = "accept-encoding"
        if file.etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        body = file.body
        if file.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
            body = file.gzipped
            headers["content-encoding"] = "gzip"
        if request.method == "HEAD":
            headers["content-length"] = str(len(body))
            return Response(status_code=200, headers=headers, media_type=file.media_type)
        return Response(body, headers=headers, media_type=file.media_type)
