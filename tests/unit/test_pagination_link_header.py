"""link_header pagination: following rel=next as RFC 8288 reads it, and its limits."""

from __future__ import annotations

import pytest

from shared.sources.declared.errors import PaginationError
from shared.sources.declared.links import next_link, next_link_only, parse_links
from shared.sources.declared.pagination import (
    PageAnswer,
    PageRequest,
    next_pages,
)
from tests.unit.paginator_helpers import BASE, URL, make_paginator

LINK = make_paginator(type="link_header")


def test_link_header_follows_rel_next() -> None:
    """GitHub's ``Link`` header: the rel="next" target is the next page."""
    header = f'<{URL}?page=2&per_page=100>; rel="next", <{URL}?page=9&per_page=100>; rel="last"'
    sent = PageRequest(URL, {"per_page": "100", "since": "2024-01-01T00:00:00Z"})
    after = next_pages(LINK, sent, PageAnswer([], {"Link": header}), base_url=BASE)
    assert after.requests == [PageRequest(f"{URL}?page=2&per_page=100", {}, page=2)]


def test_link_header_is_found_whatever_its_case() -> None:
    """Header names are case-insensitive."""
    after = next_pages(
        LINK, PageRequest(URL), PageAnswer([], {"link": f"<{URL}?page=2>; rel=next"}), base_url=BASE
    )
    assert after.requests[0].url == f"{URL}?page=2"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Link": f'<{URL}?page=1>; rel="prev", <{URL}?page=1>; rel="first"'}, {"Link": ""}],
)
def test_link_header_stops_without_a_next_link(headers: dict[str, str]) -> None:
    """No header, or no rel="next" in it, ends the walk: the last page."""
    after = next_pages(LINK, PageRequest(URL, page=7), PageAnswer([], headers), base_url=BASE)
    assert after.done
    assert after.pages_total == 7


def test_a_link_to_another_host_fails_the_job() -> None:
    """A Link header pointing elsewhere is never followed."""
    headers = {"Link": '<https://evil.example/items?page=2>; rel="next"'}
    with pytest.raises(PaginationError, match=r"a link_header walk stays on its API"):
        next_pages(LINK, PageRequest(URL), PageAnswer([], headers), base_url=BASE)


def test_a_link_to_the_same_page_fails_the_job() -> None:
    """A next link to the page itself would never end."""
    headers = {"Link": f'<{URL}?page=2>; rel="next"'}
    with pytest.raises(PaginationError, match=r"links to itself"):
        next_pages(
            LINK, PageRequest(f"{URL}?page=2", page=2), PageAnswer([], headers), base_url=BASE
        )


def test_link_header_at_max_pages_fails_the_job() -> None:
    """A next link at max_pages is an error."""
    headers = {"Link": f'<{URL}?page=3>; rel="next"'}
    with pytest.raises(PaginationError, match=r"max_pages=2"):
        next_pages(
            make_paginator(type="link_header", max_pages=2),
            PageRequest(URL, page=2),
            PageAnswer([], headers),
            base_url=BASE,
        )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('<https://a/2>; rel="next"', "https://a/2"),
        ('<https://a/1>; rel="prev", <https://a/3>; rel="next"', "https://a/3"),
        ('<https://a/3>; rel="next last"', "https://a/3"),
        ('<https://a/3>; REL="Next"', "https://a/3"),
        ('<https://a/3>; title="a, b; c"; rel="next"', "https://a/3"),
        ('<https://a/x,y>; rel="next"', "https://a/x,y"),
        ('<https://a/1>; rel="prev"', None),
        ("garbage", None),
    ],
)
def test_next_link_reads_rfc_8288(header: str, expected: str | None) -> None:
    """rel may list several types, in any case; quoted params may hold commas."""
    assert next_link(header) == expected


def test_parse_links_keeps_every_link_and_its_params() -> None:
    """Every link and its parameters are read; the first of a repeated parameter counts."""
    assert parse_links('<a>; rel="next"; rel="prev", <b>;type=x') == [
        ("a", {"rel": "next"}),
        ("b", {"type": "x"}),
    ]


@pytest.mark.parametrize(
    ("header", "kept"),
    [
        (
            f'<{URL}?page=3&key=s3cr3t>; rel="next", <{URL}?page=9&key=s3cr3t>; rel="last"',
            f'<{URL}?page=3>; rel="next"',
        ),
        ('</items?page=2>; rel="prev next"', '</items?page=2>; rel="next"'),  # relative stays
        (f'<{URL}?page=1>; rel="prev", <{URL}?page=1>; rel="first"', None),
        ("", None),
        (None, None),
    ],
)
def test_a_walk_keeps_only_the_next_link_without_auth_parameters(
    header: str | None, kept: str | None
) -> None:
    """What a stored answer keeps of its Link header: the next link alone, no key in it."""
    assert next_link_only(header, drop={"key"}) == kept


def test_a_kept_link_walks_on_as_the_header_it_came_from() -> None:
    """A 304 that repeats no Link walks on from the kept one to the same next page."""
    header = f'<{URL}?page=2&per_page=100>; rel="next", <{URL}?page=9&per_page=100>; rel="last"'
    sent = PageRequest(URL, {"per_page": "100"})
    kept = next_link_only(header, drop=set())
    assert kept is not None
    fresh = next_pages(LINK, sent, PageAnswer([], {"Link": header}), base_url=BASE)
    stored = next_pages(LINK, sent, PageAnswer([], {"link": kept}), base_url=BASE)
    assert stored == fresh
    assert next_link(kept) == f"{URL}?page=2&per_page=100"
