"""Fan-out arithmetic: the list pages that remain once the first page told us ``count``."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from shared.sources.fanout import pages_total, remaining_offsets


@pytest.mark.parametrize(
    ("count", "offset", "limit", "offsets"),
    [
        pytest.param(60, 0, 20, [20, 40], id="count-multiple-of-limit"),
        pytest.param(45, 0, 20, [20, 40], id="count-not-multiple"),
        pytest.param(41, 0, 20, [20, 40], id="one-item-on-last-page"),
        pytest.param(0, 0, 20, [], id="count-zero"),
        pytest.param(7, 0, 20, [], id="count-below-limit"),
        pytest.param(20, 0, 20, [], id="count-equals-limit"),
        pytest.param(45, 100, 20, [], id="offset-past-end"),
        pytest.param(45, 45, 20, [], id="offset-at-end"),
        pytest.param(100, 30, 20, [50, 70, 90], id="offset-in-middle"),
        pytest.param(1351, 1340, 20, [], id="last-real-page"),
        pytest.param(5, 0, 1, [1, 2, 3, 4], id="limit-one"),
        pytest.param(-3, 0, 20, [], id="negative-count"),
    ],
)
def test_remaining_offsets(count: int, offset: int, limit: int, offsets: list[int]) -> None:
    """The offsets after ``offset`` step by ``limit`` and stop before ``count``."""
    assert remaining_offsets(count, offset, limit) == offsets


@pytest.mark.parametrize(
    ("count", "offset", "limit", "total"),
    [
        (60, 0, 20, 3),
        (45, 0, 20, 3),
        (0, 0, 20, 1),
        (7, 0, 20, 1),
        (45, 100, 20, 1),
        (100, 30, 20, 4),
        (1351, 0, 20, 68),
    ],
)
def test_pages_total_counts_the_first_page_and_the_rest(
    count: int, offset: int, limit: int, total: int
) -> None:
    """A list sync has its first page plus one page per remaining offset."""
    assert pages_total(count, offset, limit) == total


def test_pages_cover_every_item_exactly_once() -> None:
    """The first page and the remaining pages together cover ``offset..count`` without overlap."""
    count, offset, limit = 97, 10, 20
    starts = [offset, *remaining_offsets(count, offset, limit)]
    covered = [i for start in starts for i in range(start, min(start + limit, count))]
    assert covered == list(range(offset, count))


@pytest.mark.parametrize("limit", [0, -1, -20])
@pytest.mark.parametrize("function", [remaining_offsets, pages_total])
def test_non_positive_limit_is_rejected(
    function: Callable[[int, int, int], object], limit: int
) -> None:
    """A limit of zero or less raises ValueError instead of looping or dividing by zero."""
    with pytest.raises(ValueError, match="limit must be positive"):
        function(45, 0, limit)
