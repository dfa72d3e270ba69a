"""The batch sizer: how many stream entries a read asks for under a byte budget."""

from __future__ import annotations

from shared.streams.codec import StreamEntry
from shared.streams.sizing import BatchSizer


def _entries(count: int, size: int) -> list[StreamEntry]:
    return [(f"{i}-0".encode(), {b"body": b"x" * size}) for i in range(count)]


def test_without_a_budget_the_count_is_fixed() -> None:
    """No byte budget: every read asks for the configured count."""
    sizer = BatchSizer(max_count=16)
    sizer.observe(_entries(3, 10_000_000))
    assert sizer.next_count() == 16


def test_the_first_read_takes_one_entry_then_as_many_as_fit() -> None:
    """One entry first; then the budget over the largest entry seen, within 1..max_count."""
    sizer = BatchSizer(max_count=16, max_bytes=1_000_000)
    assert sizer.next_count() == 1
    sizer.observe(_entries(1, 300_000))
    assert sizer.next_count() == 3
    sizer.observe(_entries(1, 5_000_000))
    assert sizer.next_count() == 1
    sizer.observe(_entries(1, 1_000))
    sizer.observe(_entries(1, 1_000))
    assert sizer.next_count() == 1  # a large entry is remembered for a few batches
    for _ in range(20):
        sizer.observe(_entries(2, 1_000))
    assert sizer.next_count() == 16


def test_an_empty_read_teaches_nothing() -> None:
    """An empty batch leaves the estimate as it was."""
    sizer = BatchSizer(max_count=8, max_bytes=1_000)
    sizer.observe([])
    assert sizer.next_count() == 1
