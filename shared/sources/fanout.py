"""Fan-out arithmetic: which list pages remain once the first page told us ``count``."""

from __future__ import annotations


def remaining_offsets(count: int, offset: int, limit: int) -> list[int]:
    """Offsets of the pages after the one at ``offset``, up to ``count`` items."""
    if limit <= 0:
        raise ValueError("limit must be positive")
    return list(range(offset + limit, max(count, 0), limit))


def pages_total(count: int, offset: int, limit: int) -> int:
    """How many pages a list sync from ``offset`` has: the first one plus the rest."""
    return 1 + len(remaining_offsets(count, offset, limit))
