"""Items as stored (``ItemRow``) and as served (``ItemOut``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class _ItemFields(BaseModel, frozen=True):
    """The fields an item has both as stored and as served."""

    id: int
    api_source: str
    external_id: str
    name: str
    content_hash: str
    created_at: datetime
    updated_at: datetime
    synced_at: datetime
    deleted_at: datetime | None


class ItemRow(_ItemFields, frozen=True):
    """One row of ``items``; ``payload_json`` is the stored JSON text, untouched."""

    payload_json: str | None = None  # only loaded where the payload is served


class ItemOut(_ItemFields, frozen=True):
    """An item in an API answer, without its payload (lists) or with it (one item)."""

    @classmethod
    def from_row(cls, row: ItemRow) -> ItemOut:
        """The public fields of a stored row."""
        return cls.model_validate(row.model_dump(exclude={"payload_json"}))


class ItemDetailOut(ItemOut, frozen=True):
    """``GET /items/{id}``: the item's fields and the payload exactly as the upstream sent it."""

    payload: Any
