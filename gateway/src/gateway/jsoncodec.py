"""JSON for the hot path (request and response bodies, subgraph calls): orjson, with the standard library as
the fallback for what orjson refuses (integers beyond 64 bits, lone surrogates), so nothing that worked with
`json` stops working. Output is compact UTF-8, as `json.dumps(separators=(",", ":"), ensure_ascii=False)`
gives (the fallback escapes non-ASCII characters instead)."""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:
        # \uXXXX escapes keep lone surrogates representable (UTF-8 cannot encode them).
        return json.dumps(value, separators=(",", ":")).encode()


def dumps_sorted(value: Any) -> bytes:
    """Object keys sorted, anything not JSON as its `str` (an identity for equal values, not a wire format)."""
    try:
        return orjson.dumps(value, default=str, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return json.dumps(value, sort_keys=True, default=str).encode()


def loads(data: bytes | str) -> Any:
    """Raises ValueError (as `json.loads`) when the text is not JSON."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)
