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


def fanned_out_offsets(offset: int, limit: int, pages_total: int) -> list[int]:
    """Offsets of the pages a first page at ``offset`` fanned out to, given the job's total."""
    if limit <= 0:
        raise ValueError("limit must be positive")
    return [offset + limit * page for page in range(1, max(pages_total, 1))]
