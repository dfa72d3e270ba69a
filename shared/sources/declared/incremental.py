"""Incremental syncs: the largest ``cursor_field`` value a job saw, kept for the next one.

Values are compared as numbers when both read as numbers (``1712`` < ``10000``), as
text otherwise: ISO 8601 timestamps written the same way, as an API writes them, sort
as text in time order.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.sources.declared.errors import PageShapeError
from shared.sources.declared.paths import select


def later_cursor(first: str | None, second: str | None) -> str | None:
    """The later of two cursor values; None is earlier than any value."""
    if first is None or second is None:
        return first if second is None else second
    numbers = _number(first), _number(second)
    if numbers[0] is not None and numbers[1] is not None:
        return second if numbers[1] > numbers[0] else first
    return second if second > first else first


def latest_cursor(records: Iterable[Any], cursor_field: str) -> str | None:
    """The largest ``cursor_field`` among ``records``; a record holding null is skipped."""
    latest: str | None = None
    for record in records:
        value = select(record, cursor_field)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise PageShapeError(f"cursor_field {cursor_field!r} is not text or a number")
        latest = later_cursor(latest, str(value))
    return latest


def _number(text: str) -> Decimal | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
