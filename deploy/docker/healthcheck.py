#!/usr/bin/env python3
"""Container health check without curl: exit 0 when the URL answers 2xx within the timeout.

Usage: kabinet-healthcheck [URL]; the URL defaults to $KABINET_HEALTHCHECK_URL
(http://127.0.0.1:<port>/readyz, set by the Dockerfile).
"""

import os
import sys
import urllib.request


def main() -> int:
    url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("KABINET_HEALTHCHECK_URL", "")
    if not url:
        print("kabinet-healthcheck: no URL given and KABINET_HEALTHCHECK_URL unset", file=sys.stderr)
        return 2
    try:
        with urllib.request.urlopen(url, timeout=float(os.environ.get("KABINET_HEALTHCHECK_TIMEOUT", "4"))) as r:
            return 0 if 200 <= r.status < 300 else 1
    except Exception as exc:  # any failure (refused, timeout, 5xx) means unhealthy
        print(f"kabinet-healthcheck: {url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
