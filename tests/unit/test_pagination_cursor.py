"""Cursor pagination: the next cursor sent back, where it stops, and what fails the job."""

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

CURSOR = {"type": "cursor", "cursor_path": "meta.next", "cursor_param": "after"}


def test_cursor_sends_the_next_cursor_back() -> None:
    """The cursor in the body becomes the next request's parameter, other params kept."""
    sent = PageRequest(URL, {"limit": "5"})
    after = next_pages(
        make_paginator(**CURSOR), sent, PageAnswer({"meta": {"next": "c2"}}), base_url=BASE
    )
    assert after.requests == [PageRequest(URL, {"limit": "5", "after": "c2"}, page=2, cursor="c2")]


def test_a_numeric_cursor_is_sent_as_text() -> None:
    """A cursor may be a number (an id to start after)."""
    after = next_pages(
        make_paginator(**CURSOR),
        PageRequest(URL),
        PageAnswer({"meta": {"next": 91}}),
        base_url=BASE,
    )
    assert after.requests[0].params["after"] == "91"


@pytest.mark.parametrize(
    "body", [{"meta": {"next": None}}, {"meta": {"next": ""}}, {"meta": {}}, {}]
)
def test_cursor_stops_on_null_empty_or_missing(body: Any) -> None:
    """A null, empty or missing cursor ends the walk: that is how the last page says so."""
    sent = PageRequest(URL, {"after": "c4"}, page=5, cursor="c4")
    after = next_pages(make_paginator(**CURSOR), sent, PageAnswer(body), base_url=BASE)
    assert after.done
    assert after.pages_total == 5


def test_a_repeating_cursor_fails_the_job_instead_of_looping() -> None:
    """A page answering the cursor it was asked with would loop forever: an error."""
    sent = PageRequest(URL, {"after": "c2"}, page=2, cursor="c2")
    with pytest.raises(PaginationError) as caught:
        next_pages(
            make_paginator(**CURSOR), sent, PageAnswer({"meta": {"next": "c2"}}), base_url=BASE
        )
    assert str(caught.value) == (
        "page 2 answered the cursor it was asked with (at 'meta.next'); "
        "following it would never end"
    )


def test_a_cursor_of_the_wrong_kind_fails_the_page() -> None:
    """An object or boolean where the cursor should be is a page error."""
    with pytest.raises(PageShapeError, match=r"cursor_path 'meta.next' is not text"):
        next_pages(
            make_paginator(**CURSOR),
            PageRequest(URL),
            PageAnswer({"meta": {"next": {}}}),
            base_url=BASE,
        )


def test_cursor_at_max_pages_fails_the_job() -> None:
    """A cursor at max_pages is an error, not a silent end."""
    sent = PageRequest(URL, page=4, cursor="c3")
    with pytest.raises(PaginationError, match=r"page 4 reached paginator.max_pages=4"):
        next_pages(
            make_paginator(**CURSOR, max_pages=4),
            sent,
            PageAnswer({"meta": {"next": "c4"}}),
            base_url=BASE,
        )
