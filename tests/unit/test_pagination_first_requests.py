"""The first requests of a walk: fixed and incremental params, for_each, single."""

from __future__ import annotations

from shared.sources.declared.pagination import (
    PageAnswer,
    PageRequest,
    first_requests,
    next_pages,
)
from tests.unit.paginator_helpers import BASE, URL, make_definition, make_paginator


def test_the_first_request_carries_fixed_paginator_and_incremental_params() -> None:
    """Fixed params, the paginator's start and the incremental cursor make the first query."""
    definition = make_definition(
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
    definition = make_definition(
        {"type": "link_header"}, incremental={"cursor_field": "updated_at", "param": "since"}
    )
    assert first_requests(definition) == [PageRequest(URL)]
    assert first_requests(definition, since="2024")[0].params == {"since": "2024"}


def test_for_each_gives_one_first_request_per_value() -> None:
    """Each comma-listed value is one request, its name filled into path and params."""
    definition = make_definition(
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
    definition = make_definition(
        {"type": "page_number", "start": 0, "size": 50, "size_param": "per_page"}
    )
    assert first_requests(definition)[0].params == {"page": "0", "per_page": "50"}


def test_single_is_one_request() -> None:
    """A single page is the whole walk."""
    after = next_pages(
        make_paginator(type="single"), PageRequest(URL), PageAnswer({}), base_url=BASE
    )
    assert after.done
    assert after.pages_total == 1
