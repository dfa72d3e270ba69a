"""Keyset cursors of ``GET /items``: where the last page ended, in the page's sort order.

A cursor is base64url of compact JSON ``[sort, key, id]``: the sort it belongs to, the
last row's sort key (null when sorting by id) and its id. It is opaque to clients but
readable by an operator; anything that does not decode to that shape is refused.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Literal, get_args

import orjson
from pydantic import BaseModel

ItemSort = Literal["id", "external_id", "updated_at"]
ITEM_SORTS: tuple[str, ...] = get_args(ItemSort)
MAX_CURSOR_CHARS = 400  # a 191-character id, quoted and base64-encoded, fits


class ItemCursor(BaseModel, frozen=True):
    """The last row of a page: its sort, its sort key and its id."""

    sort: ItemSort
    key: str | datetime | None
    id: int

    def encode(self) -> str:
        """The cursor as the ``after`` value of the next request."""
        key = self.key.isoformat() if isinstance(self.key, datetime) else self.key
        text = orjson.dumps([self.sort, key, self.id])
        return base64.urlsafe_b64encode(text).decode().rstrip("=")


def decode_cursor(raw: str, sort: ItemSort) -> ItemCursor:
    """The cursor in ``raw`` for a page sorted by ``sort``; ValueError when it is not one."""
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        decoded = orjson.loads(text)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not a cursor from a previous page") from exc
    if not (isinstance(decoded, list) and len(decoded) == 3):
        raise ValueError("not a cursor from a previous page")
    cursor_sort, key, item_id = decoded
    if cursor_sort != sort:
        raise ValueError(f"this cursor belongs to sort={cursor_sort}, not sort={sort}")
    if type(item_id) is not int or not 0 <= item_id < 2**63:
        raise ValueError("not a cursor from a previous page")
    return ItemCursor(sort=sort, key=_key(sort, key), id=item_id)


def _key(sort: str, key: object) -> str | datetime | None:
    if sort == "id":
        if key is not None:
            raise ValueError("not a cursor from a previous page")
        return None
    if not isinstance(key, str) or len(key) > 200:
        raise ValueError("not a cursor from a previous page")
    if sort == "external_id":
        return key
    try:
        moment = datetime.fromisoformat(key)
    except ValueError as exc:
        raise ValueError("not a cursor from a previous page") from exc
    if moment.tzinfo is None:
        raise ValueError("not a cursor from a previous page")
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:  # year 1 or 9999 with an offset
        raise ValueError("not a cursor from a previous page") from exc
