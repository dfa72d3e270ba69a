"""The built-in pokemon definition fetching list pages: every detail, retried when transient."""

from __future__ import annotations

import json

import aiohttp
import pytest

from shared.errors import TransientUpstreamError
from shared.sources.declared.fetcher import DeclaredFetcher
from tests.unit.builtin_pokemon import ListCommand, requested, times_requested
from tests.unit.fake_upstream import (
    FakeUpstream,
    detail_body,
    detail_json,
    detail_url,
    list_page,
    list_url,
    serve_details,
)


async def test_list_page_fetches_every_detail(
    pokemon_source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """A list page yields one item per entry, named and shaped as the detail documents."""
    upstream.get(list_url(0, 3), payload=list_page(0, 3))
    serve_details(upstream, [1, 2, 3])

    page = await pokemon_source.fetch(ListCommand(offset=0, limit=3))

    assert [item.external_id for item in page.items] == ["1", "2", "3"]
    assert [item.name for item in page.items] == ["bulbasaur", "ivysaur", "venusaur"]
    assert [json.loads(item.payload) for item in page.items] == [detail_json(i) for i in (1, 2, 3)]
    assert page.failed == []
    assert page.total == 1351


async def test_list_page_in_the_middle(
    pokemon_source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """The list is asked for the command's window, and the count is the upstream's."""
    upstream.get(list_url(20, 5), payload=list_page(20, 5, count=45))
    serve_details(upstream, range(21, 26))

    page = await pokemon_source.fetch(ListCommand(offset=20, limit=5))

    assert [item.external_id for item in page.items] == ["21", "22", "23", "24", "25"]
    assert page.items[-1].name == "pikachu"
    assert page.total == 45


async def test_missing_detail_lands_in_failed(
    pokemon_source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """A detail answering 404 is recorded in ``failed`` once; the other entries are items."""
    upstream.get(list_url(0, 3), payload=list_page(0, 3))
    serve_details(upstream, [1, 3])
    upstream.get(detail_url(2), status=404)

    page = await pokemon_source.fetch(ListCommand(offset=0, limit=3))

    assert [item.external_id for item in page.items] == ["1", "3"]
    assert [failed.external_id for failed in page.failed] == ["2"]
    assert "HTTP 404" in page.failed[0].error
    assert times_requested(upstream, detail_url(2)) == 1


async def test_transient_detail_is_retried(
    pokemon_source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """A detail answering 503 and then 200 is retried and becomes an item."""
    upstream.get(list_url(0, 3), payload=list_page(0, 3))
    serve_details(upstream, [1, 3])
    upstream.get(detail_url(2), status=503)
    upstream.get(detail_url(2), body=detail_body(2))

    page = await pokemon_source.fetch(ListCommand(offset=0, limit=3))

    assert [item.external_id for item in page.items] == ["1", "2", "3"]
    assert json.loads(page.items[1].payload) == detail_json(2)
    assert page.failed == []
    assert times_requested(upstream, detail_url(2)) == 2


async def test_rate_limited_list_is_retried(
    pokemon_source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """A list answering 429 with Retry-After is retried (no real wait under stamina testing)."""
    upstream.get(list_url(0, 1), status=429, headers={"Retry-After": "3"})
    upstream.get(list_url(0, 1), payload=list_page(0, 1))
    serve_details(upstream, [1])

    page = await pokemon_source.fetch(ListCommand(offset=0, limit=1))

    assert [item.name for item in page.items] == ["bulbasaur"]
    assert times_requested(upstream, list_url(0, 1)) == 2


async def test_detail_down_every_time_raises_transient(
    pokemon_source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """A detail answering 503 to every attempt raises TransientUpstreamError after 3 tries."""
    upstream.get(list_url(0, 2), payload=list_page(0, 2))
    serve_details(upstream, [1])
    upstream.get(detail_url(2), status=503, repeat=True)

    with pytest.raises(TransientUpstreamError, match="pokemon detail 2: HTTP 503"):
        await pokemon_source.fetch(ListCommand(offset=0, limit=2))
    assert times_requested(upstream, detail_url(2)) == 3


async def test_list_down_every_time_raises_transient(
    pokemon_source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """A list that never answers raises TransientUpstreamError and fetches no detail."""
    upstream.get(list_url(0, 3), exception=aiohttp.ServerDisconnectedError(), repeat=True)

    with pytest.raises(TransientUpstreamError, match="pokemon list page 1"):
        await pokemon_source.fetch(ListCommand(offset=0, limit=3))
    assert requested(upstream) == [list_url(0, 3)]
    assert times_requested(upstream, list_url(0, 3)) == 3
