"""next_url pagination: following the URL in the body, and the URLs that fail the job."""

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

NEXT_URL = {"type": "next_url", "next_path": "info.next"}


def test_next_url_follows_the_url_in_the_body() -> None:
    """The next page is the URL the body names, with its own query."""
    body = {"info": {"next": f"{URL}?offset=20&limit=20"}}
    sent = PageRequest(URL, {"offset": "0", "limit": "20"})
    after = next_pages(make_paginator(**NEXT_URL), sent, PageAnswer(body), base_url=BASE)
    assert after.requests == [PageRequest(f"{URL}?offset=20&limit=20", {}, page=2)]


def test_a_relative_next_url_counts_from_the_page_that_gave_it() -> None:
    """``?page=3`` and ``/v1/items?page=3`` resolve against the current page's URL."""
    sent = PageRequest(f"{URL}?page=2", page=2)
    for link in ("?page=3", "/v1/items?page=3"):
        after = next_pages(
            make_paginator(**NEXT_URL), sent, PageAnswer({"info": {"next": link}}), base_url=BASE
        )
        assert after.requests[0].url == f"{URL}?page=3"


@pytest.mark.parametrize("value", [None, ""])
def test_next_url_stops_on_null_or_empty(value: Any) -> None:
    """No next URL ends the walk."""
    after = next_pages(
        make_paginator(**NEXT_URL),
        PageRequest(URL),
        PageAnswer({"info": {"next": value}}),
        base_url=BASE,
    )
    assert after.done


def test_an_absent_next_url_fails_the_page() -> None:
    """The next URL's key must be there (null ends the walk); its absence names the path."""
    with pytest.raises(PageShapeError, match=r"path 'info.next' is absent"):
        next_pages(
            make_paginator(**NEXT_URL), PageRequest(URL), PageAnswer({"info": {}}), base_url=BASE
        )


@pytest.mark.parametrize(
    ("link", "origin"),
    [
        ("https://evil.example/v1/items?key=s3cret", "https://evil.example"),
        ("http://api.example/v1/items?page=2", "http://api.example"),  # a token in clear
        ("https://api.example:8443/v1/items", "https://api.example:8443"),
        ("//evil.example/x", "https://evil.example"),
    ],
)
def test_a_next_url_on_another_host_fails_the_job(link: str, origin: str) -> None:
    """An upstream-supplied URL elsewhere is never followed: it would carry our credentials."""
    with pytest.raises(PaginationError) as caught:
        next_pages(
            make_paginator(**NEXT_URL),
            PageRequest(URL),
            PageAnswer({"info": {"next": link}}),
            base_url=BASE,
        )
    assert str(caught.value) == (
        f"the next page is on {origin}, not on base_url's https://api.example: "
        "a next_url walk stays on its API"
    )


def test_a_next_url_pointing_at_the_same_page_fails_the_job() -> None:
    """A page naming itself as next would loop forever, whatever the order of the query."""
    sent = PageRequest(URL, {"a": "1", "b": "2"}, page=3)
    body = {"info": {"next": f"{URL}?b=2&a=1"}}
    with pytest.raises(PaginationError, match=r"page 3 links to itself"):
        next_pages(make_paginator(**NEXT_URL), sent, PageAnswer(body), base_url=BASE)


def test_next_url_at_max_pages_fails_the_job() -> None:
    """A next URL at max_pages is an error."""
    sent = PageRequest(URL, page=2)
    with pytest.raises(PaginationError, match=r"max_pages=2"):
        next_pages(
            make_paginator(**NEXT_URL, max_pages=2),
            sent,
            PageAnswer({"info": {"next": f"{URL}?p=3"}}),
            base_url=BASE,
        )


def test_a_next_url_with_a_broken_port_fails_the_job() -> None:
    """A port that is not one never matches base_url, and never crashes the walk."""
    body = {"info": {"next": "https://api.example:99999/v1/items"}}
    with pytest.raises(PaginationError, match=r"stays on its API"):
        next_pages(make_paginator(**NEXT_URL), PageRequest(URL), PageAnswer(body), base_url=BASE)


def test_a_next_url_to_the_same_page_is_found_through_percent_encoding() -> None:
    """``q=a%20b`` in the URL is the page asked with ``q: "a b"``."""
    sent = PageRequest(URL, {"q": "a b"}, page=2)
    body = {"info": {"next": f"{URL}?q=a%20b"}}
    with pytest.raises(PaginationError, match=r"links to itself"):
        next_pages(make_paginator(**NEXT_URL), sent, PageAnswer(body), base_url=BASE)
