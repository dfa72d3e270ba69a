"""Keyset cursors of ``GET /items``: the item a page ended on, and where it stood.

A cursor is the last item's id, written ``<id>``; when sorting by ``updated_at`` it
is ``<updated_at in microseconds since 1970>-<id>``, since an item's write time can
change between two pages and the page must continue from where the item was.
Every string of that shape is a position (the OpenAPI pattern says exactly this),
so a cursor is never refused for being malformed once the pattern matches.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel

ItemSort = Literal["id", "external_id", "updated_at"]
# 17 digits of microseconds reach past the year 5000; 19 digits hold every item id.
CURSOR_PATTERN = r"^(?:[0-9]{1,17}-)?[0-9]{1,19}$"
_CURSOR = re.compile(CURSOR_PATTERN)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class ItemCursor(BaseModel, frozen=True):
    """The item a page ended on and, when sorting by write time, that time."""

    id: int
    updated_at: datetime | None = None

    def encode(self) -> str:
        """The cursor as the ``after`` value of the next request."""
        if self.updated_at is None:
            return str(self.id)
        return f"{(self.updated_at - _EPOCH) // _MICROSECOND}-{self.id}"


def decode_cursor(raw: str) -> ItemCursor:
    """The position in ``raw``; ValueError when it does not have the cursor's shape."""
    if _CURSOR.fullmatch(raw) is None:
        raise ValueError("not a cursor from a previous page")
    micros, _, item_id = raw.rpartition("-")
    updated_at = _EPOCH + int(micros) * _MICROSECOND if micros else None
    return ItemCursor(id=int(item_id), updated_at=updated_at)
