"""Page-number pagination: fanning out from total pages, walking to an empty page, limits."""

from __future__ import annotations

import pytest

from shared.sources.declared.errors import PaginationError
from shared.sources.declared.pagination import (
    PageAnswer,
    PageRequest,
    next_pages,
)
from tests.unit.paginator_helpers import BASE, URL, make_paginator


def test_page_number_with_total_pages_fans_out() -> None:
    """The first page learns the page count, and the other pages go out together."""
    paginator = make_paginator(type="page_number", total_pages="meta.pages")
    sent = PageRequest(URL, {"page": "1"})
    after = next_pages(paginator, sent, PageAnswer({"meta": {"pages": 4}}), base_url=BASE)
    assert [r.params["page"] for r in after.requests] == ["2", "3", "4"]
    assert after.pages_total == 4


def test_page_number_from_zero_with_total_pages() -> None:
    """``start: 0`` counts pages from 0: three pages are 0, 1 and 2."""
    paginator = make_paginator(type="page_number", start=0, total_pages="pages")
    after = next_pages(
        paginator, PageRequest(URL, {"page": "0"}), PageAnswer({"pages": 3}), base_url=BASE
    )
    assert [r.params["page"] for r in after.requests] == ["1", "2"]


def test_page_number_total_pages_beyond_max_pages_fails_the_job() -> None:
    """A page count above max_pages fans out nothing."""
    paginator = make_paginator(type="page_number", total_pages="pages", max_pages=2)
    with pytest.raises(PaginationError, match=r"3 pages, more than paginator.max_pages=2"):
        next_pages(
            paginator, PageRequest(URL, {"page": "1"}), PageAnswer({"pages": 3}), base_url=BASE
        )


def test_page_number_without_total_walks_until_an_empty_page() -> None:
    """Without a page count, a page with records asks for the next; an empty one ends."""
    paginator = make_paginator(type="page_number")
    sent = PageRequest(URL, {"page": "2"}, page=2)
    after = next_pages(paginator, sent, PageAnswer([], records=1), base_url=BASE)
    assert after.requests == [PageRequest(URL, {"page": "3"}, page=3)]
    end = next_pages(paginator, after.requests[0], PageAnswer([], records=0), base_url=BASE)
    assert end.done
    assert end.pages_total == 3


def test_page_number_at_max_pages_fails_the_job() -> None:
    """A page with records at max_pages is an error."""
    paginator = make_paginator(type="page_number", max_pages=2)
    with pytest.raises(PaginationError, match=r"max_pages=2"):
        next_pages(
            paginator,
            PageRequest(URL, {"page": "2"}, page=2),
            PageAnswer([], records=5),
            base_url=BASE,
        )
