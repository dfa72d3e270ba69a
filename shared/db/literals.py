"""Multi-row statements with their values written as SQL literals, for bulk writes.

The driver escapes a string with ``str.translate`` over a table: 33 µs for a
1.6 KB JSON payload here, a quarter of a writer's time. Chained ``str.replace``
makes exactly the same escapes about thirty times faster. Values are only
strings, whole numbers, naive datetimes and None; anything else is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

# The driver's escape table, in an order that never escapes an escape: backslash first.
_ESCAPES = (
    ("\\", "\\\\"),
    ("\0", "\\0"),
    ("\n", "\\n"),
    ("\r", "\\r"),
    ("\032", "\\Z"),
    ("'", "\\'"),
    ('"', '\\"'),
)

SqlValue = str | int | datetime | None


def quote(text: str) -> str:
    """``text`` as a quoted string literal (backslash escapes, as MySQL reads them by default)."""
    for raw, escaped in _ESCAPES:
        if raw in text:
            text = text.replace(raw, escaped)
    return f"'{text}'"


def literal(value: SqlValue) -> str:
    """One value as SQL."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, bool):
        raise TypeError("booleans are not written as literals here")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise TypeError("datetimes are stored naive (UTC): convert with to_db first")
        return f"'{value.isoformat(sep=' ')}'"
    raise TypeError(f"no SQL literal for {type(value).__name__}")


def multi_row_statements(
    head: str, rows: Iterable[Sequence[SqlValue]], tail: str, *, max_bytes: int
) -> Iterator[bytes]:
    """``head VALUES (...), (...) tail`` statements of at most ``max_bytes`` each.

    A row too big for ``max_bytes`` on its own still gets a statement of its own.
    """
    start = f"{head} VALUES ".encode()
    end = f" {tail}".encode() if tail else b""
    parts: list[bytes] = []
    size = len(start) + len(end)
    for row in rows:
        encoded = ("(" + ", ".join(literal(value) for value in row) + ")").encode()
        if parts and size + len(encoded) + 2 > max_bytes:
            yield start + b", ".join(parts) + end
            parts, size = [], len(start) + len(end)
        parts.append(encoded)
        size += len(encoded) + 2
    if parts:
        yield start + b", ".join(parts) + end
