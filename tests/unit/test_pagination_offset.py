"""Offset pagination: fanning out from a total, walking to a short page, and its limits."""

from __future__ import annotations

from typing import Any

import pytest

from shared.sources.declared.errors import PageShapeError, PaginationError
from shared.sources.declared.pagination import (
    PageAnswer,
    PageRequest,
    next_pages,
)
from tests.unit.paginator_helpers import BASE, URL, make_paginator

OFFSET = {"type": "offset", "limit": 10, "total": "count"}


def test_offset_with_total_fans_out_every_other_page_at_once() -> None:
    """The first page learns the total, and all other pages go out together."""
    sent = PageRequest(URL, {"offset": "0", "limit": "10", "q": "x"})
    after = next_pages(make_paginator(**OFFSET), sent, PageAnswer({"count": 35}), base_url=BASE)
    assert [r.params["offset"] for r in after.requests] == ["10", "20", "30"]
    assert all(r.fanned and r.params["q"] == "x" for r in after.requests)
    assert [r.page for r in after.requests] == [2, 3, 4]
    assert after.pages_total == 4


def test_offset_fans_out_in_the_size_the_first_page_asked_for() -> None:
    """A sync that asked for pages of 5 gets pages of 5, whatever the default limit."""
    sent = PageRequest(URL, {"offset": "100", "limit": "5"})
    after = next_pages(make_paginator(**OFFSET), sent, PageAnswer({"count": 117}), base_url=BASE)
    assert [r.params["offset"] for r in after.requests] == ["105", "110", "115"]


def test_a_huge_total_fails_without_building_its_pages() -> None:
    """A total of 10**15 is refused by counting, before a single request is built."""
    sent = PageRequest(URL, {"offset": "0", "limit": "10"})
    with pytest.raises(PaginationError, match=r"100000000000000 pages"):
        next_pages(make_paginator(**OFFSET), sent, PageAnswer({"count": 10**15}), base_url=BASE)


def test_a_walk_that_counts_records_refuses_an_answer_without_the_count() -> None:
    """Without a total, the count decides where the walk ends: it is never assumed 0."""
    sent = PageRequest(URL, {"offset": "0", "limit": "10"})
    with pytest.raises(ValueError, match=r"pass records="):
        next_pages(make_paginator(type="offset", limit=10), sent, PageAnswer({}), base_url=BASE)


def test_a_fanned_out_page_leads_nowhere() -> None:
    """The pages a first page fanned out emit nothing more."""
    sent = PageRequest(URL, {"offset": "10", "limit": "10"}, page=2, fanned=True)
    assert next_pages(make_paginator(**OFFSET), sent, PageAnswer({"count": 35}), base_url=BASE).done


def test_offset_with_total_that_fits_one_page_is_done() -> None:
    """A total within the first page fans out nothing."""
    sent = PageRequest(URL, {"offset": "0", "limit": "10"})
    after = next_pages(make_paginator(**OFFSET), sent, PageAnswer({"count": 7}), base_url=BASE)
    assert after.done
    assert after.pages_total == 1


@pytest.mark.parametrize("count", [None, "12", -1, True, 2.5])
def test_offset_total_must_be_a_whole_number(count: Any) -> None:
    """A total that is not a whole number fails the page, naming its path."""
    sent = PageRequest(URL, {"offset": "0", "limit": "10"})
    with pytest.raises(PageShapeError, match=r"'count' is not a whole number"):
        next_pages(make_paginator(**OFFSET), sent, PageAnswer({"count": count}), base_url=BASE)


def test_offset_total_absent_fails_the_page() -> None:
    """An absent total is a page error naming the path."""
    sent = PageRequest(URL, {"offset": "0", "limit": "10"})
    with pytest.raises(PageShapeError, match=r"path 'count' is absent"):
        next_pages(make_paginator(**OFFSET), sent, PageAnswer({}), base_url=BASE)


def test_offset_fan_out_beyond_max_pages_fails_the_job() -> None:
    """A total needing more than max_pages pages fans out nothing and says so."""
    sent = PageRequest(URL, {"offset": "0", "limit": "10"})
    paginator = make_paginator(**OFFSET, max_pages=3)
    with pytest.raises(PaginationError) as caught:
        next_pages(paginator, sent, PageAnswer({"count": 35}), base_url=BASE)
    assert str(caught.value) == (
        "the list has 4 pages, more than paginator.max_pages=3; nothing was fanned out"
    )


def test_offset_total_above_max_items_fails_the_job() -> None:
    """A total above max_items fails before anything fans out."""
    sent = PageRequest(URL, {"offset": "0", "limit": "10"})
    paginator = make_paginator(**OFFSET, max_items=30)
    with pytest.raises(PaginationError, match=r"total 35 is above paginator.max_items=30"):
        next_pages(paginator, sent, PageAnswer({"count": 35}), base_url=BASE)


def test_offset_without_total_walks_until_a_short_page() -> None:
    """Without a total, a full page asks for the next; a shorter page ends the walk."""
    paginator = make_paginator(type="offset", limit=10)
    sent = PageRequest(URL, {"offset": "20", "limit": "10"}, page=3)
    after = next_pages(paginator, sent, PageAnswer({}, records=10), base_url=BASE)
    assert after.requests == [PageRequest(URL, {"offset": "30", "limit": "10"}, page=4)]
    assert after.pages_total is None
    last = next_pages(paginator, after.requests[0], PageAnswer({}, records=3), base_url=BASE)
    assert last.done
    assert last.pages_total == 4


def test_a_sequential_walk_at_max_pages_fails_instead_of_truncating() -> None:
    """A full page at max_pages is an error that says so, not a silent end."""
    paginator = make_paginator(type="offset", limit=10, max_pages=3)
    sent = PageRequest(URL, {"offset": "20", "limit": "10"}, page=3)
    with pytest.raises(PaginationError) as caught:
        next_pages(paginator, sent, PageAnswer({}, records=10), base_url=BASE)
    assert str(caught.value) == (
        "page 3 reached paginator.max_pages=3 and the list goes on; "
        "raise max_pages if the list is really that long"
    )
    # The same page, short, ends the walk within the limit.
    assert next_pages(paginator, sent, PageAnswer({}, records=9), base_url=BASE).done
