"""The built-in pokemon definition given odd answers: client errors, wrong shapes, missing ids."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.sources.declared.fetcher import DeclaredFetcher
from tests.unit.builtin_pokemon import ListCommand, requested, times_requested
from tests.unit.fake_upstream import (
    FakeUpstream,
    detail_url,
    list_page,
    list_url,
    serve_details,
)


@pytest.mark.parametrize("status", [400, 404])
async def test_list_client_error_fails_the_page_at_once(
    pokemon_source: DeclaredFetcher, upstream: FakeUpstream, status: int
) -> None:
    """A list answering 4xx fails that page at once, without retrying or fetching details."""
    upstream.get(list_url(0, 3), status=status, repeat=True)

    page = await pokemon_source.fetch(ListCommand(offset=0, limit=3, fan_out=True))
    assert page.items == []
    assert [(f.external_id, f.error) for f in page.failed] == [
        ("page:1", f"pokemon list page 1: HTTP {status}")
    ]
    assert page.pages_total == 1  # a failed first page is the whole job: its size is unknown
    assert times_requested(upstream, list_url(0, 3)) == 1


@pytest.mark.parametrize(
    ("listing", "error"),
    [
        ({"count": 3}, "'results' is absent"),
        ({"count": 3, "results": "x"}, "records 'results' is"),
        ([{"name": "bulbasaur"}], "'results'"),
        ("pokemon", "'results'"),
    ],
    ids=["no-results", "results-not-list", "array", "string"],
)
async def test_list_of_unexpected_shape_fails_the_page(
    pokemon_source: DeclaredFetcher, upstream: FakeUpstream, listing: Any, error: str
) -> None:
    """A list answer that is not ``{"results": [...]}`` fails the page, naming the path."""
    upstream.get(list_url(0, 3), payload=listing)

    page = await pokemon_source.fetch(ListCommand(offset=0, limit=3))
    assert page.items == []
    assert [f.external_id for f in page.failed] == ["page:1"]
    assert error in page.failed[0].error


async def test_detail_urls_are_built_from_base_url(
    pokemon_source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """Details are fetched from our base URL and the id, never from the URL the list gave."""
    listing = list_page(0, 2)
    listing["results"] = [
        {"name": "squirtle", "url": "http://evil.test/api/v2/pokemon/7/"},
        {"name": "wartortle", "url": "/elsewhere/8"},
    ]
    upstream.get(list_url(0, 2), payload=listing)
    serve_details(upstream, [7, 8])

    page = await pokemon_source.fetch(ListCommand(offset=0, limit=2))

    assert [item.external_id for item in page.items] == ["7", "8"]
    assert sorted(requested(upstream)) == sorted([list_url(0, 2), detail_url(7), detail_url(8)])
    assert not any("evil.test" in url or "elsewhere" in url for url in requested(upstream))


async def test_list_answering_more_than_the_limit_is_cut(
    pokemon_source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """A list answering more entries than asked keeps only the first ``limit``."""
    listing = list_page(0, 5)
    upstream.get(list_url(0, 3), payload=listing)
    serve_details(upstream, [1, 2, 3])

    page = await pokemon_source.fetch(ListCommand(offset=0, limit=3))

    assert [item.external_id for item in page.items] == ["1", "2", "3"]
    assert detail_url(4) not in requested(upstream)
    assert detail_url(5) not in requested(upstream)


async def test_a_list_entry_without_an_id_fails_the_page(
    pokemon_source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """An entry whose URL holds no numeric id fails the page (the format's rule), naming the
    path; no detail is fetched for it."""
    listing = list_page(0, 3)
    listing["results"] = [
        {"name": "bulbasaur", "url": "/api/v2/pokemon/1/"},
        {"name": "missingno", "url": "/api/v2/pokemon/missingno/"},
        {"name": "venusaur", "url": "/api/v2/pokemon/3/"},
    ]
    upstream.get(list_url(0, 3), payload=listing)

    page = await pokemon_source.fetch(ListCommand(offset=0, limit=3))

    assert page.items == []
    assert [f.external_id for f in page.failed] == ["page:1"]
    assert "id 'url' does not match the pattern" in page.failed[0].error
    assert requested(upstream) == [list_url(0, 3)]


async def test_empty_list_page(pokemon_source: DeclaredFetcher, upstream: FakeUpstream) -> None:
    """A window past the end yields no items and keeps the upstream's count."""
    upstream.get(list_url(100, 20), payload=list_page(100, 20, count=45))

    page = await pokemon_source.fetch(ListCommand(offset=100, limit=20))

    assert page.items == []
    assert page.failed == []
    assert page.total == 45


async def test_detail_without_name_uses_the_listed_name(
    pokemon_source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """When a detail document has no name, the name from the list is used."""
    upstream.get(list_url(0, 1), payload=list_page(0, 1))
    upstream.get(detail_url(1), payload={"id": 1, "height": 7})

    page = await pokemon_source.fetch(ListCommand(offset=0, limit=1))

    assert page.items[0].name == "bulbasaur"
    assert json.loads(page.items[0].payload) == {"id": 1, "height": 7}


async def test_detail_that_is_not_an_object_is_failed(
    pokemon_source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """A detail answering a JSON array is recorded in ``failed``."""
    upstream.get(list_url(0, 1), payload=list_page(0, 1))
    upstream.get(detail_url(1), body=b"[1, 2, 3]")

    page = await pokemon_source.fetch(ListCommand(offset=0, limit=1))

    assert page.items == []
    assert [(f.external_id, f.error) for f in page.failed] == [("1", "detail is not a JSON object")]


async def test_a_name_too_long_for_its_column_is_cut_and_the_payload_kept(
    pokemon_source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """A 300-character name is stored cut to 255; the payload keeps it whole."""
    upstream.get(list_url(0, 2), payload=list_page(0, 2))
    upstream.get(detail_url(1), payload={"id": 1, "name": "x" * 300})
    serve_details(upstream, [2])

    page = await pokemon_source.fetch(ListCommand(offset=0, limit=2))

    assert [item.external_id for item in page.items] == ["1", "2"]
    assert page.items[0].name == "x" * 255
    assert json.loads(page.items[0].payload)["name"] == "x" * 300
    assert page.failed == []
