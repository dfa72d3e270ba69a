"""Walking pages as pure functions: every paginator type, how it fans out, and how it stops."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from shared.sources.declared.errors import PageShapeError, PaginationError
from shared.sources.declared.links import next_link, parse_links
from shared.sources.declared.models import SourceDefinition
from shared.sources.declared.pagination import (
    PageAnswer,
    PageRequest,
    first_requests,
    next_pages,
)
from shared.sources.declared.paginators import Paginator

BASE = "https://api.example/v1"
URL = f"{BASE}/items"


PAGINATOR: TypeAdapter[Paginator] = TypeAdapter(Paginator)


def _paginator(**keys: Any) -> Paginator:
    return PAGINATOR.validate_python(keys)


def _definition(paginator: dict[str, Any], **extra: Any) -> SourceDefinition:
    list_spec = {"path": "/items", "paginator": paginator, "records": "items", "id": "id"}
    list_spec.update(extra.pop("list", {}))
    return SourceDefinition.model_validate(
        {"name": "s", "base_url": BASE, "list": list_spec, **extra}
    )


# --- the first request --------------------------------------------------------------------


def test_the_first_request_carries_fixed_paginator_and_incremental_params() -> None:
    """Fixed params, the paginator's start and the incremental cursor make the first query."""
    definition = _definition(
        {"type": "offset", "limit": 20},
        list={"params": {"state": "all"}},
        incremental={"cursor_field": "updated_at", "param": "since", "initial": "1970"},
    )
    assert first_requests(definition) == [
        PageRequest(URL, {"state": "all", "offset": "0", "limit": "20", "since": "1970"})
    ]
    assert first_requests(definition, since="2024")[0].params["since"] == "2024"


def test_without_initial_the_first_incremental_sync_asks_for_everything() -> None:
    """No stored cursor and no ``initial``: the parameter is not sent at all."""
    definition = _definition(
        {"type": "link_header"}, incremental={"cursor_field": "updated_at", "param": "since"}
    )
    assert first_requests(definition) == [PageRequest(URL)]
    assert first_requests(definition, since="2024")[0].params == {"since": "2024"}


def test_for_each_gives_one_first_request_per_value() -> None:
    """Each comma-listed value is one request, its name filled into path and params."""
    definition = _definition(
        {"type": "single"},
        list={
            "path": "/weather/{city}",
            "params": {"q": "{city}"},
            "for_each": {"values": "London, New York,,London", "as": "city"},
        },
    )
    assert first_requests(definition) == [
        PageRequest(f"{BASE}/weather/London", {"q": "London"}),
        PageRequest(f"{BASE}/weather/New%20York", {"q": "New York"}),
    ]


def test_page_number_starts_at_start_and_sends_the_size() -> None:
    """A page_number walk asks for page ``start`` of ``size``."""
    definition = _definition(
        {"type": "page_number", "start": 0, "size": 50, "size_param": "per_page"}
    )
    assert first_requests(definition)[0].params == {"page": "0", "per_page": "50"}


# --- single -------------------------------------------------------------------------------


def test_single_is_one_request() -> None:
    """A single page is the whole walk."""
    after = next_pages(_paginator(type="single"), PageRequest(URL), PageAnswer({}), base_url=BASE)
    assert after.done
    assert after.pages_total == 1


# --- offset -------------------------------------------------------------------------------

OFFSET = {"type": "offset", "limit": 10, "total": "count"}


def test_offset_with_total_fans_out_every_other_page_at_once() -> None:
    """The first page learns the total, and all other pages go out together."""
    sent = PageRequest(URL, {"offset": "0", "limit": "10", "q": "x"})
    after = next_pages(_paginator(**OFFSET), sent, PageAnswer({"count": 35}), base_url=BASE)
    assert [r.params["offset"] for r in after.requests] == ["10", "20", "30"]
    assert all(r.fanned and r.params["q"] == "x" for r in after.requests)
    assert [r.page for r in after.requests] == [2, 3, 4]
    assert after.pages_total == 4


def test_offset_fans_out_in_the_size_the_first_page_asked_for() -> None:
    """A sync that asked for pages of 5 gets pages of 5, whatever the default limit."""
    sent = PageRequest(URL, {"offset": "100", "limit": "5"})
    after = next_pages(_paginator(**OFFSET), sent, PageAnswer({"count": 117}), base_url=BASE)
    assert [r.params["offset"] for r in after.requests] == ["105", "110", "115"]


def test_a_huge_total_fails_without_building_its_pages() -> None:
    """A total of 10**15 is refused by counting, before a single request is built."""
    sent = PageRequest(URL, {"offset": "0", "limit": "10"})
    with pytest.raises(PaginationError, match=r"100000000000000 pages"):
        next_pages(_paginator(**OFFSET), sent, PageAnswer({"count": 10**15}), base_url=BASE)


def test_a_walk_that_counts_records_refuses_an_answer_without_the_count() -> None:
    """Without a total, the count decides where the walk ends: it is never assumed 0."""
    sent = PageRequest(URL, {"offset": "0", "limit": "10"})
    with pytest.raises(ValueError, match=r"pass records="):
        next_pages(_paginator(type="offset", limit=10), sent, PageAnswer({}), base_url=BASE)


def test_a_fanned_out_page_leads_nowhere() -> None:
    """The pages a first page fanned out emit nothing more."""
    sent = PageRequest(URL, {"offset": "10", "limit": "10"}, page=2, fanned=True)
    assert next_pages(_paginator(**OFFSET), sent, PageAnswer({"count": 35}), base_url=BASE).done


def test_offset_with_total_that_fits_one_page_is_done() -> None:
    """A total within the first page fans out nothing."""
    sent = PageRequest(URL, {"offset": "0", "limit": "10"})
    after = next_pages(_paginator(**OFFSET), sent, PageAnswer({"count": 7}), base_url=BASE)
    assert after.done
    assert after.pages_total == 1


@pytest.mark.parametrize("count", [None, "12", -1, True, 2.5])
def test_offset_total_must_be_a_whole_number(count: Any) -> None:
    """A total that is not a whole number fails the page, naming its path."""
    sent = PageRequest(URL, {"offset": "0", "limit": "10"})
    with pytest.raises(PageShapeError, match=r"'count' is not a whole number"):
        next_pages(_paginator(**OFFSET), sent, PageAnswer({"count": count}), base_url=BASE)


def test_offset_total_absent_fails_the_page() -> None:
    """An absent total is a page error naming the path."""
    sent = PageRequest(URL, {"offset": "0", "limit": "10"})
    with pytest.raises(PageShapeError, match=r"path 'count' is absent"):
        next_pages(_paginator(**OFFSET), sent, PageAnswer({}), base_url=BASE)


def test_offset_fan_out_beyond_max_pages_fails_the_job() -> None:
    """A total needing more than max_pages pages fans out nothing and says so."""
    sent = PageRequest(URL, {"offset": "0", "limit": "10"})
    paginator = _paginator(**OFFSET, max_pages=3)
    with pytest.raises(PaginationError) as caught:
        next_pages(paginator, sent, PageAnswer({"count": 35}), base_url=BASE)
    assert str(caught.value) == (
        "the list has 4 pages, more than paginator.max_pages=3; nothing was fanned out"
    )


def test_offset_total_above_max_items_fails_the_job() -> None:
    """A total above max_items fails before anything fans out."""
    sent = PageRequest(URL, {"offset": "0", "limit": "10"})
    paginator = _paginator(**OFFSET, max_items=30)
    with pytest.raises(PaginationError, match=r"total 35 is above paginator.max_items=30"):
        next_pages(paginator, sent, PageAnswer({"count": 35}), base_url=BASE)


def test_offset_without_total_walks_until_a_short_page() -> None:
    """Without a total, a full page asks for the next; a shorter page ends the walk."""
    paginator = _paginator(type="offset", limit=10)
    sent = PageRequest(URL, {"offset": "20", "limit": "10"}, page=3)
    after = next_pages(paginator, sent, PageAnswer({}, records=10), base_url=BASE)
    assert after.requests == [PageRequest(URL, {"offset": "30", "limit": "10"}, page=4)]
    assert after.pages_total is None
    last = next_pages(paginator, after.requests[0], PageAnswer({}, records=3), base_url=BASE)
    assert last.done
    assert last.pages_total == 4


def test_a_sequential_walk_at_max_pages_fails_instead_of_truncating() -> None:
    """A full page at max_pages is an error that says so, not a silent end."""
    paginator = _paginator(type="offset", limit=10, max_pages=3)
    sent = PageRequest(URL, {"offset": "20", "limit": "10"}, page=3)
    with pytest.raises(PaginationError) as caught:
        next_pages(paginator, sent, PageAnswer({}, records=10), base_url=BASE)
    assert str(caught.value) == (
        "page 3 reached paginator.max_pages=3 and the list goes on; "
        "raise max_pages if the list is really that long"
    )
    # The same page, short, ends the walk within the limit.
    assert next_pages(paginator, sent, PageAnswer({}, records=9), base_url=BASE).done


# --- page_number --------------------------------------------------------------------------


def test_page_number_with_total_pages_fans_out() -> None:
    """The first page learns the page count, and the other pages go out together."""
    paginator = _paginator(type="page_number", total_pages="meta.pages")
    sent = PageRequest(URL, {"page": "1"})
    after = next_pages(paginator, sent, PageAnswer({"meta": {"pages": 4}}), base_url=BASE)
    assert [r.params["page"] for r in after.requests] == ["2", "3", "4"]
    assert after.pages_total == 4


def test_page_number_from_zero_with_total_pages() -> None:
    """``start: 0`` counts pages from 0: three pages are 0, 1 and 2."""
    paginator = _paginator(type="page_number", start=0, total_pages="pages")
    after = next_pages(
        paginator, PageRequest(URL, {"page": "0"}), PageAnswer({"pages": 3}), base_url=BASE
    )
    assert [r.params["page"] for r in after.requests] == ["1", "2"]


def test_page_number_total_pages_beyond_max_pages_fails_the_job() -> None:
    """A page count above max_pages fans out nothing."""
    paginator = _paginator(type="page_number", total_pages="pages", max_pages=2)
    with pytest.raises(PaginationError, match=r"3 pages, more than paginator.max_pages=2"):
        next_pages(
            paginator, PageRequest(URL, {"page": "1"}), PageAnswer({"pages": 3}), base_url=BASE
        )


def test_page_number_without_total_walks_until_an_empty_page() -> None:
    """Without a page count, a page with records asks for the next; an empty one ends."""
    paginator = _paginator(type="page_number")
    sent = PageRequest(URL, {"page": "2"}, page=2)
    after = next_pages(paginator, sent, PageAnswer([], records=1), base_url=BASE)
    assert after.requests == [PageRequest(URL, {"page": "3"}, page=3)]
    end = next_pages(paginator, after.requests[0], PageAnswer([], records=0), base_url=BASE)
    assert end.done
    assert end.pages_total == 3


def test_page_number_at_max_pages_fails_the_job() -> None:
    """A page with records at max_pages is an error."""
    paginator = _paginator(type="page_number", max_pages=2)
    with pytest.raises(PaginationError, match=r"max_pages=2"):
        next_pages(
            paginator,
            PageRequest(URL, {"page": "2"}, page=2),
            PageAnswer([], records=5),
            base_url=BASE,
        )


# --- cursor -------------------------------------------------------------------------------

CURSOR = {"type": "cursor", "cursor_path": "meta.next", "cursor_param": "after"}


def test_cursor_sends_the_next_cursor_back() -> None:
    """The cursor in the body becomes the next request's parameter, other params kept."""
    sent = PageRequest(URL, {"limit": "5"})
    after = next_pages(
        _paginator(**CURSOR), sent, PageAnswer({"meta": {"next": "c2"}}), base_url=BASE
    )
    assert after.requests == [PageRequest(URL, {"limit": "5", "after": "c2"}, page=2, cursor="c2")]


def test_a_numeric_cursor_is_sent_as_text() -> None:
    """A cursor may be a number (an id to start after)."""
    after = next_pages(
        _paginator(**CURSOR), PageRequest(URL), PageAnswer({"meta": {"next": 91}}), base_url=BASE
    )
    assert after.requests[0].params["after"] == "91"


@pytest.mark.parametrize(
    "body", [{"meta": {"next": None}}, {"meta": {"next": ""}}, {"meta": {}}, {}]
)
def test_cursor_stops_on_null_empty_or_missing(body: Any) -> None:
    """A null, empty or missing cursor ends the walk: that is how the last page says so."""
    sent = PageRequest(URL, {"after": "c4"}, page=5, cursor="c4")
    after = next_pages(_paginator(**CURSOR), sent, PageAnswer(body), base_url=BASE)
    assert after.done
    assert after.pages_total == 5


def test_a_repeating_cursor_fails_the_job_instead_of_looping() -> None:
    """A page answering the cursor it was asked with would loop forever: an error."""
    sent = PageRequest(URL, {"after": "c2"}, page=2, cursor="c2")
    with pytest.raises(PaginationError) as caught:
        next_pages(_paginator(**CURSOR), sent, PageAnswer({"meta": {"next": "c2"}}), base_url=BASE)
    assert str(caught.value) == (
        "page 2 answered the cursor it was asked with (at 'meta.next'); "
        "following it would never end"
    )


def test_a_cursor_of_the_wrong_kind_fails_the_page() -> None:
    """An object or boolean where the cursor should be is a page error."""
    with pytest.raises(PageShapeError, match=r"cursor_path 'meta.next' is not text"):
        next_pages(
            _paginator(**CURSOR),
            PageRequest(URL),
            PageAnswer({"meta": {"next": {}}}),
            base_url=BASE,
        )


def test_cursor_at_max_pages_fails_the_job() -> None:
    """A cursor at max_pages is an error, not a silent end."""
    sent = PageRequest(URL, page=4, cursor="c3")
    with pytest.raises(PaginationError, match=r"page 4 reached paginator.max_pages=4"):
        next_pages(
            _paginator(**CURSOR, max_pages=4),
            sent,
            PageAnswer({"meta": {"next": "c4"}}),
            base_url=BASE,
        )


# --- next_url -----------------------------------------------------------------------------

NEXT_URL = {"type": "next_url", "next_path": "info.next"}


def test_next_url_follows_the_url_in_the_body() -> None:
    """The next page is the URL the body names, with its own query."""
    body = {"info": {"next": f"{URL}?offset=20&limit=20"}}
    sent = PageRequest(URL, {"offset": "0", "limit": "20"})
    after = next_pages(_paginator(**NEXT_URL), sent, PageAnswer(body), base_url=BASE)
    assert after.requests == [PageRequest(f"{URL}?offset=20&limit=20", {}, page=2)]


def test_a_relative_next_url_counts_from_the_page_that_gave_it() -> None:
    """``?page=3`` and ``/v1/items?page=3`` resolve against the current page's URL."""
    sent = PageRequest(f"{URL}?page=2", page=2)
    for link in ("?page=3", "/v1/items?page=3"):
        after = next_pages(
            _paginator(**NEXT_URL), sent, PageAnswer({"info": {"next": link}}), base_url=BASE
        )
        assert after.requests[0].url == f"{URL}?page=3"


@pytest.mark.parametrize("value", [None, ""])
def test_next_url_stops_on_null_or_empty(value: Any) -> None:
    """No next URL ends the walk."""
    after = next_pages(
        _paginator(**NEXT_URL),
        PageRequest(URL),
        PageAnswer({"info": {"next": value}}),
        base_url=BASE,
    )
    assert after.done


def test_an_absent_next_url_fails_the_page() -> None:
    """The next URL's key must be there (null ends the walk); its absence names the path."""
    with pytest.raises(PageShapeError, match=r"path 'info.next' is absent"):
        next_pages(
            _paginator(**NEXT_URL), PageRequest(URL), PageAnswer({"info": {}}), base_url=BASE
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
            _paginator(**NEXT_URL),
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
        next_pages(_paginator(**NEXT_URL), sent, PageAnswer(body), base_url=BASE)


def test_next_url_at_max_pages_fails_the_job() -> None:
    """A next URL at max_pages is an error."""
    sent = PageRequest(URL, page=2)
    with pytest.raises(PaginationError, match=r"max_pages=2"):
        next_pages(
            _paginator(**NEXT_URL, max_pages=2),
            sent,
            PageAnswer({"info": {"next": f"{URL}?p=3"}}),
            base_url=BASE,
        )


# --- link_header --------------------------------------------------------------------------

LINK = _paginator(type="link_header")


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
            _paginator(type="link_header", max_pages=2),
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


def test_a_next_url_with_a_broken_port_fails_the_job() -> None:
    """A port that is not one never matches base_url, and never crashes the walk."""
    body = {"info": {"next": "https://api.example:99999/v1/items"}}
    with pytest.raises(PaginationError, match=r"stays on its API"):
        next_pages(_paginator(**NEXT_URL), PageRequest(URL), PageAnswer(body), base_url=BASE)


def test_a_next_url_to_the_same_page_is_found_through_percent_encoding() -> None:
    """``q=a%20b`` in the URL is the page asked with ``q: "a b"``."""
    sent = PageRequest(URL, {"q": "a b"}, page=2)
    body = {"info": {"next": f"{URL}?q=a%20b"}}
    with pytest.raises(PaginationError, match=r"links to itself"):
        next_pages(_paginator(**NEXT_URL), sent, PageAnswer(body), base_url=BASE)
