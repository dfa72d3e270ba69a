"""The PokeAPI source: planning a job, and fetching list pages and details with retries."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from pydantic import ValidationError
from redis.asyncio import Redis
from yarl import URL

from shared.config import Settings
from shared.errors import TransientUpstreamError
from shared.models.commands import DetailCommand, PageCommand
from shared.models.http import TAG_MARK, http_models
from shared.models.spec import DetailParams, ListParams, SyncSpec
from shared.sources.declared.fetcher import DeclaredFetcher
from shared.sources.declared.planner import DeclaredPlanner
from shared.sources.registry import build_declared_fetcher
from tests.unit.declared_helpers import builtin
from tests.unit.declared_helpers import list_command as _list_command
from tests.unit.fake_upstream import (
    BASE_URL,
    FakeUpstream,
    detail_body,
    detail_json,
    detail_url,
    list_page,
    list_url,
    serve_details,
)

POKEMON = "pokemon"
DEFINITION = builtin(POKEMON, {"POKEAPI_BASE_URL": BASE_URL, "POKEAPI_RATE_LIMIT": "0"})


def ListCommand(offset: int, limit: int, *, fan_out: bool = False) -> PageCommand:
    """The built-in definition's list page at ``offset`` of ``limit``."""
    return _list_command(BASE_URL, "/pokemon", offset, limit, fan_out=fan_out)


@pytest.fixture
async def source(redis: Redis) -> AsyncIterator[DeclaredFetcher]:
    """The real source over a real client session, pointed at ``http://pokeapi.test``."""
    async with aiohttp.ClientSession() as session:
        yield build_declared_fetcher(DEFINITION, Settings(_env_file=None), session, redis)


def requested(upstream: FakeUpstream) -> list[str]:
    """Every URL requested, in order of first request."""
    return [str(url) for _, url in upstream.requests]


def times_requested(upstream: FakeUpstream, url: str) -> int:
    """How many times one URL was requested."""
    return len(upstream.requests.get(("GET", URL(url)), []))


# --- plan ---------------------------------------------------------------------------------

PLANNER = DeclaredPlanner(DEFINITION)


def list_spec(**params: Any) -> SyncSpec:
    """A pokemon list sync with these params."""
    return SyncSpec(source=POKEMON, operation="list", params=ListParams(**params))


def detail_params(params: dict[str, Any]) -> DetailParams:
    """``params`` of a pokemon detail sync, validated as a request to the API validates them."""
    models = http_models({POKEMON: PLANNER.detail_id}, default=POKEMON)
    body = {"api_source": POKEMON, "operation": "detail", "params": params}
    validated = models.sync_request.model_validate(body).root.params
    assert isinstance(validated, DetailParams)
    return validated


def test_plan_list_defaults_to_one_fan_out_page() -> None:
    """A list job starts with one fan-out command at offset 0 of the configured page size."""
    assert PLANNER.plan(list_spec()) == [ListCommand(offset=0, limit=20, fan_out=True)]


@pytest.mark.parametrize(
    ("params", "command"),
    [
        ({"offset": 40, "limit": 10}, ListCommand(offset=40, limit=10, fan_out=True)),
        ({"offset": 40}, ListCommand(offset=40, limit=20, fan_out=True)),
        ({"limit": 5}, ListCommand(offset=0, limit=5, fan_out=True)),
        ({"offset": None, "limit": None}, ListCommand(offset=0, limit=20, fan_out=True)),
    ],
)
def test_plan_list_with_window(params: dict[str, Any], command: PageCommand) -> None:
    """``offset`` and ``limit`` pick the window; missing ones fall back to 0 and the page size."""
    assert PLANNER.plan(list_spec(**params)) == [command]


def test_plan_list_uses_configured_page_size() -> None:
    """POKEAPI_PAGE_SIZE is the default limit of a list job; planning needs settings alone."""
    planner = DeclaredPlanner(
        builtin(POKEMON, {"POKEAPI_BASE_URL": BASE_URL, "POKEAPI_PAGE_SIZE": "50"})
    )
    assert planner.plan(list_spec()) == [ListCommand(offset=0, limit=50, fan_out=True)]


@pytest.mark.parametrize(
    ("item_id", "external_id"),
    [(25, "25"), ("25", "25"), ("025", "25"), (10001, "10001"), (0, "0")],
)
def test_plan_detail(item_id: int | str, external_id: str) -> None:
    """A detail job is one detail command with the normalised id."""
    spec = SyncSpec(source=POKEMON, operation="detail", params=DetailParams(id=item_id))
    assert PLANNER.plan(spec) == [DetailCommand(external_id=external_id)]


@pytest.mark.parametrize("item_id", [25, "25", "025"])
def test_plan_detail_of_a_validated_request(item_id: int | str) -> None:
    """A detail sync validated with the planner's id type plans the same command."""
    spec = SyncSpec(source=POKEMON, operation="detail", params=detail_params({"id": item_id}))
    assert PLANNER.plan(spec) == [DetailCommand(external_id="25")]


@pytest.mark.parametrize(
    "params",
    [{"id": "pikachu"}, {"id": ""}, {}, {"id": None}, {"id": -1}, {"id": "2.5"}, {"id": " 25"}],
)
def test_detail_id_rejects_non_numeric_id(params: dict[str, Any]) -> None:
    """A detail sync whose id is not a whole number is refused on params.id."""
    with pytest.raises(ValidationError) as caught:
        detail_params(params)
    assert [_field(error["loc"]) for error in caught.value.errors()] == ["params.id"]


def test_detail_id_rejects_non_ascii_digits() -> None:
    """An id made of non-ASCII digits is refused on params.id, not an unhandled ValueError."""
    with pytest.raises(ValidationError) as caught:
        detail_params({"id": "²"})
    assert [_field(error["loc"]) for error in caught.value.errors()] == ["params.id"]


def _field(loc: tuple[int | str, ...]) -> str:
    """An error location as the API names it: without the union tags."""
    return ".".join(str(part) for part in loc if not str(part).startswith(TAG_MARK))


# --- fetch: list pages --------------------------------------------------------------------


async def test_list_page_fetches_every_detail(
    source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """A list page yields one item per entry, named and shaped as the detail documents."""
    upstream.get(list_url(0, 3), payload=list_page(0, 3))
    serve_details(upstream, [1, 2, 3])

    page = await source.fetch(ListCommand(offset=0, limit=3))

    assert [item.external_id for item in page.items] == ["1", "2", "3"]
    assert [item.name for item in page.items] == ["bulbasaur", "ivysaur", "venusaur"]
    assert [json.loads(item.payload) for item in page.items] == [detail_json(i) for i in (1, 2, 3)]
    assert page.failed == []
    assert page.total == 1351


async def test_list_page_in_the_middle(source: DeclaredFetcher, upstream: FakeUpstream) -> None:
    """The list is asked for the command's window, and the count is the upstream's."""
    upstream.get(list_url(20, 5), payload=list_page(20, 5, count=45))
    serve_details(upstream, range(21, 26))

    page = await source.fetch(ListCommand(offset=20, limit=5))

    assert [item.external_id for item in page.items] == ["21", "22", "23", "24", "25"]
    assert page.items[-1].name == "pikachu"
    assert page.total == 45


async def test_missing_detail_lands_in_failed(
    source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """A detail answering 404 is recorded in ``failed`` once; the other entries are items."""
    upstream.get(list_url(0, 3), payload=list_page(0, 3))
    serve_details(upstream, [1, 3])
    upstream.get(detail_url(2), status=404)

    page = await source.fetch(ListCommand(offset=0, limit=3))

    assert [item.external_id for item in page.items] == ["1", "3"]
    assert [failed.external_id for failed in page.failed] == ["2"]
    assert "HTTP 404" in page.failed[0].error
    assert times_requested(upstream, detail_url(2)) == 1


async def test_transient_detail_is_retried(source: DeclaredFetcher, upstream: FakeUpstream) -> None:
    """A detail answering 503 and then 200 is retried and becomes an item."""
    upstream.get(list_url(0, 3), payload=list_page(0, 3))
    serve_details(upstream, [1, 3])
    upstream.get(detail_url(2), status=503)
    upstream.get(detail_url(2), body=detail_body(2))

    page = await source.fetch(ListCommand(offset=0, limit=3))

    assert [item.external_id for item in page.items] == ["1", "2", "3"]
    assert json.loads(page.items[1].payload) == detail_json(2)
    assert page.failed == []
    assert times_requested(upstream, detail_url(2)) == 2


async def test_rate_limited_list_is_retried(
    source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """A list answering 429 with Retry-After is retried (no real wait under stamina testing)."""
    upstream.get(list_url(0, 1), status=429, headers={"Retry-After": "3"})
    upstream.get(list_url(0, 1), payload=list_page(0, 1))
    serve_details(upstream, [1])

    page = await source.fetch(ListCommand(offset=0, limit=1))

    assert [item.name for item in page.items] == ["bulbasaur"]
    assert times_requested(upstream, list_url(0, 1)) == 2


async def test_detail_down_every_time_raises_transient(
    source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """A detail answering 503 to every attempt raises TransientUpstreamError after 3 tries."""
    upstream.get(list_url(0, 2), payload=list_page(0, 2))
    serve_details(upstream, [1])
    upstream.get(detail_url(2), status=503, repeat=True)

    with pytest.raises(TransientUpstreamError, match="pokemon detail 2: HTTP 503"):
        await source.fetch(ListCommand(offset=0, limit=2))
    assert times_requested(upstream, detail_url(2)) == 3


async def test_list_down_every_time_raises_transient(
    source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """A list that never answers raises TransientUpstreamError and fetches no detail."""
    upstream.get(list_url(0, 3), exception=aiohttp.ServerDisconnectedError(), repeat=True)

    with pytest.raises(TransientUpstreamError, match="pokemon list page 1"):
        await source.fetch(ListCommand(offset=0, limit=3))
    assert requested(upstream) == [list_url(0, 3)]
    assert times_requested(upstream, list_url(0, 3)) == 3


@pytest.mark.parametrize("status", [400, 404])
async def test_list_client_error_fails_the_page_at_once(
    source: DeclaredFetcher, upstream: FakeUpstream, status: int
) -> None:
    """A list answering 4xx fails that page at once, without retrying or fetching details."""
    upstream.get(list_url(0, 3), status=status, repeat=True)

    page = await source.fetch(ListCommand(offset=0, limit=3, fan_out=True))
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
    source: DeclaredFetcher, upstream: FakeUpstream, listing: Any, error: str
) -> None:
    """A list answer that is not ``{"results": [...]}`` fails the page, naming the path."""
    upstream.get(list_url(0, 3), payload=listing)

    page = await source.fetch(ListCommand(offset=0, limit=3))
    assert page.items == []
    assert [f.external_id for f in page.failed] == ["page:1"]
    assert error in page.failed[0].error


async def test_detail_urls_are_built_from_base_url(
    source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """Details are fetched from our base URL and the id, never from the URL the list gave."""
    listing = list_page(0, 2)
    listing["results"] = [
        {"name": "squirtle", "url": "http://evil.test/api/v2/pokemon/7/"},
        {"name": "wartortle", "url": "/elsewhere/8"},
    ]
    upstream.get(list_url(0, 2), payload=listing)
    serve_details(upstream, [7, 8])

    page = await source.fetch(ListCommand(offset=0, limit=2))

    assert [item.external_id for item in page.items] == ["7", "8"]
    assert sorted(requested(upstream)) == sorted([list_url(0, 2), detail_url(7), detail_url(8)])
    assert not any("evil.test" in url or "elsewhere" in url for url in requested(upstream))


async def test_list_answering_more_than_the_limit_is_cut(
    source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """A list answering more entries than asked keeps only the first ``limit``."""
    listing = list_page(0, 5)
    upstream.get(list_url(0, 3), payload=listing)
    serve_details(upstream, [1, 2, 3])

    page = await source.fetch(ListCommand(offset=0, limit=3))

    assert [item.external_id for item in page.items] == ["1", "2", "3"]
    assert detail_url(4) not in requested(upstream)
    assert detail_url(5) not in requested(upstream)


async def test_a_list_entry_without_an_id_fails_the_page(
    source: DeclaredFetcher, upstream: FakeUpstream
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

    page = await source.fetch(ListCommand(offset=0, limit=3))

    assert page.items == []
    assert [f.external_id for f in page.failed] == ["page:1"]
    assert "id 'url' does not match the pattern" in page.failed[0].error
    assert requested(upstream) == [list_url(0, 3)]


async def test_empty_list_page(source: DeclaredFetcher, upstream: FakeUpstream) -> None:
    """A window past the end yields no items and keeps the upstream's count."""
    upstream.get(list_url(100, 20), payload=list_page(100, 20, count=45))

    page = await source.fetch(ListCommand(offset=100, limit=20))

    assert page.items == []
    assert page.failed == []
    assert page.total == 45


async def test_detail_without_name_uses_the_listed_name(
    source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """When a detail document has no name, the name from the list is used."""
    upstream.get(list_url(0, 1), payload=list_page(0, 1))
    upstream.get(detail_url(1), payload={"id": 1, "height": 7})

    page = await source.fetch(ListCommand(offset=0, limit=1))

    assert page.items[0].name == "bulbasaur"
    assert json.loads(page.items[0].payload) == {"id": 1, "height": 7}


async def test_detail_that_is_not_an_object_is_failed(
    source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """A detail answering a JSON array is recorded in ``failed``."""
    upstream.get(list_url(0, 1), payload=list_page(0, 1))
    upstream.get(detail_url(1), body=b"[1, 2, 3]")

    page = await source.fetch(ListCommand(offset=0, limit=1))

    assert page.items == []
    assert [(f.external_id, f.error) for f in page.failed] == [("1", "detail is not a JSON object")]


async def test_a_name_too_long_for_its_column_is_cut_and_the_payload_kept(
    source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """A 300-character name is stored cut to 255; the payload keeps it whole."""
    upstream.get(list_url(0, 2), payload=list_page(0, 2))
    upstream.get(detail_url(1), payload={"id": 1, "name": "x" * 300})
    serve_details(upstream, [2])

    page = await source.fetch(ListCommand(offset=0, limit=2))

    assert [item.external_id for item in page.items] == ["1", "2"]
    assert page.items[0].name == "x" * 255
    assert json.loads(page.items[0].payload)["name"] == "x" * 300
    assert page.failed == []


# --- fetch: detail commands ---------------------------------------------------------------


async def test_detail_command(source: DeclaredFetcher, upstream: FakeUpstream) -> None:
    """A detail command yields that one item and no total."""
    serve_details(upstream, [25])

    page = await source.fetch(DetailCommand(external_id="25"))

    assert [(item.external_id, item.name) for item in page.items] == [("25", "pikachu")]
    assert json.loads(page.items[0].payload) == detail_json(25)
    assert page.total is None
    assert requested(upstream) == [detail_url(25)]


async def test_detail_command_not_found(source: DeclaredFetcher, upstream: FakeUpstream) -> None:
    """A detail command for a missing id yields no item and one failure."""
    upstream.get(detail_url(99999), status=404)

    page = await source.fetch(DetailCommand(external_id="99999"))

    assert page.items == []
    assert [failed.external_id for failed in page.failed] == ["99999"]


async def test_nothing_unregistered_is_requested(
    source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """An unregistered URL fails like a refused connection, so a stray request cannot pass."""
    upstream.get(re.compile(r"^http://unused\.test/.*$"), status=200)
    with pytest.raises(TransientUpstreamError):
        await source.fetch(DetailCommand(external_id="1"))
