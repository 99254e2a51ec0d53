"""Keyset cursors for Relay-style pages (first/after): opaque to clients, the (time, id) position of the last
row a page gave, so the next page neither repeats nor skips a row when others are added meanwhile."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from kabinet.errors import InvalidInput


def keyset_cursor(at: datetime, row_id: str) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{row_id}".encode()).decode()


def parse_keyset_cursor(cursor: str, field: str = "after") -> tuple[datetime, str]:
    """The position a cursor names; InvalidInput for anything a page did not give (a time without an offset
    included: it could not be compared with the stored ones)."""
    try:
        at, row_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        position = datetime.fromisoformat(at)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput("This cursor is not one this list gave.", field=field) from exc
    if position.tzinfo is None or not row_id:
        raise InvalidInput("This cursor is not one this list gave.", field=field)
    return position, row_id
