"""The OpenWeather source: planning a job per city, and fetching with the key kept secret."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aioresponses.core import normalize_url
from pydantic import ValidationError
from redis.asyncio import Redis
from yarl import URL

from shared.config import Settings
from shared.errors import JobFailedError, TransientUpstreamError
from shared.models.commands import DetailCommand, PageCommand
from shared.models.http import http_models
from shared.models.spec import SyncSpec
from shared.resilience.breaker import read_breaker
from shared.sources.declared import LoadedSource, load_sources
from shared.sources.declared.fetcher import DeclaredFetcher
from shared.sources.declared.planner import DeclaredPlanner
from shared.sources.declared.refusals import secret_hint
from shared.sources.registry import build_declared_fetcher
from shared.streams.names import breaker_key
from tests.unit.fake_upstream import FakeUpstream

BASE_URL = "http://openweather.test/data/2.5"
KEY = "unit-test-key-5f3a"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "openweather"


def body(name: str) -> bytes:
    """One recorded OpenWeather body, byte for byte."""
    return (FIXTURES / name).read_bytes()


def weather_url(city: str, key: str = KEY) -> URL:
    """The URL the source requests for ``city``."""
    return URL(f"{BASE_URL}/weather").with_query({"q": city, "appid": key})


OPENWEATHER = "openweather"
KEY_REJECTED = "openweather rejected the API key (HTTP 401)"
NO_KEY = "openweather has no API key: set OPENWEATHER_API_KEY or OPENWEATHER_API_KEY_FILE"


def loaded(**overrides: str) -> LoadedSource:
    """The built-in definition pointed at the fake upstream, with the test key."""
    env = {
        "OPENWEATHER_BASE_URL": BASE_URL,
        "OPENWEATHER_API_KEY": KEY,
        "OPENWEATHER_CITIES": "London, Zocca ,Atlantis",
        "OPENWEATHER_RATE_LIMIT": "0",
        **overrides,
    }
    return load_sources(env=env, sources_dir=None)[OPENWEATHER]


PLANNER = DeclaredPlanner(loaded().definition)


def WeatherCommand(city: str) -> PageCommand:
    """The command a list or detail job sends for ``city``."""
    spec = SyncSpec(source=OPENWEATHER, operation="detail", params={"id": city})
    (command,) = PLANNER.plan(spec)
    assert isinstance(command, PageCommand)
    return command


def _fetcher(redis: Redis, session: aiohttp.ClientSession, **env: str) -> DeclaredFetcher:
    source = loaded(**env)
    hint = secret_hint(source.definition, source.file)
    return build_declared_fetcher(
        source.definition, Settings(_env_file=None), session, redis, secret_hint=hint
    )


@pytest.fixture
async def source(redis: Redis) -> AsyncIterator[DeclaredFetcher]:
    """The real source over a real client session, pointed at ``http://openweather.test``."""
    async with aiohttp.ClientSession() as session:
        yield _fetcher(redis, session)


def times_requested(upstream: FakeUpstream, url: URL) -> int:
    """How many times one URL was requested (aioresponses keys requests by normalised URL)."""
    return len(upstream.requests.get(("GET", normalize_url(url)), []))


def test_plan_list_is_one_command_per_configured_city() -> None:
    """A list job has one weather command per city in OPENWEATHER_CITIES, trimmed, in order."""
    assert PLANNER.plan(SyncSpec(source=OPENWEATHER)) == [
        WeatherCommand(city="London"),
        WeatherCommand(city="Zocca"),
        WeatherCommand(city="Atlantis"),
    ]


def detail_spec(params: dict[str, Any]) -> SyncSpec:
    """An openweather detail sync, validated as a request to the API validates it."""
    models = http_models({OPENWEATHER: PLANNER.detail_id}, default=OPENWEATHER)
    body = {"api_source": OPENWEATHER, "operation": "detail", "params": params}
    return models.sync_request.model_validate(body).root.spec()


def test_plan_detail_is_the_one_city_named() -> None:
    """A detail job with ``params.id`` fetches that one city."""
    spec = detail_spec({"id": " Paris "})
    assert PLANNER.plan(spec) == [WeatherCommand(city="Paris")]


@pytest.mark.parametrize("params", [{}, {"id": ""}, {"id": "a,b"}, {"id": "x" * 101}])
def test_detail_id_rejects_a_bad_city(params: dict[str, Any]) -> None:
    """A detail sync without exactly one sensible city name is refused on params.id."""
    with pytest.raises(ValidationError) as caught:
        detail_spec(params)
    assert [error["loc"][-2:] for error in caught.value.errors()] == [("params", "id")]


async def test_city_found_is_an_item_with_city_id_name_and_payload(
    source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """A 200 becomes one item: external id = the city's id, name = its name, payload = the body."""
    recorded = body("weather_200_london_recorded.json")
    upstream.get(weather_url("London"), status=200, body=recorded)

    page = await source.fetch(WeatherCommand(city="London"))

    expected = orjson.loads(recorded)
    assert [(i.external_id, i.name) for i in page.items] == [(str(expected["id"]), "London")]
    assert json.loads(page.items[0].payload) == expected
    assert page.failed == []


async def test_unknown_city_is_a_failed_item_and_not_retried(
    source: DeclaredFetcher, upstream: FakeUpstream, redis: Redis
) -> None:
    """A 404 fails that city's item only, is asked once, and leaves the breaker closed."""
    upstream.get(weather_url("Atlantis"), status=404, body=body("weather_404_city_not_found.json"))

    page = await source.fetch(WeatherCommand(city="Atlantis"))

    assert page.items == []
    assert [(f.external_id, f.error) for f in page.failed] == [
        ("Atlantis", "openweather list 'Atlantis': HTTP 404")
    ]
    assert times_requested(upstream, weather_url("Atlantis")) == 1
    assert (await read_breaker(redis, OPENWEATHER)).state == "closed"


async def test_rejected_key_fails_the_job_once_and_spares_the_breaker(
    source: DeclaredFetcher, upstream: FakeUpstream, redis: Redis
) -> None:
    """A 401 raises JobFailedError with a clear message, is not retried, and records no failure."""
    upstream.get(weather_url("London"), status=401, body=body("weather_401_invalid_api_key.json"))

    with pytest.raises(JobFailedError) as caught:
        await source.fetch(WeatherCommand(city="London"))

    assert str(caught.value) == KEY_REJECTED == "openweather rejected the API key (HTTP 401)"
    assert KEY not in str(caught.value)
    assert times_requested(upstream, weather_url("London")) == 1
    assert await redis.hgetall(breaker_key(OPENWEATHER)) == {}


async def test_missing_key_fails_the_job_without_a_request(
    redis: Redis, upstream: FakeUpstream
) -> None:
    """With no key configured the job fails at once, naming both variables, and nothing is sent."""
    async with aiohttp.ClientSession() as session:
        source = _fetcher(redis, session, OPENWEATHER_API_KEY="")
        with pytest.raises(JobFailedError, match="OPENWEATHER_API_KEY_FILE") as caught:
            await source.fetch(WeatherCommand(city="London"))
    assert str(caught.value) == NO_KEY
    assert upstream.requests == {}


async def test_rate_limited_request_is_retried_until_it_lands(
    source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """A 429 (with Retry-After) is retried, and the next 200 gives the item."""
    url = weather_url("Zocca")
    upstream.get(
        url,
        status=429,
        body=body("weather_429_too_many_requests.json"),
        headers={"Retry-After": "1"},
    )
    upstream.get(url, status=200, body=body("weather_200_zocca_docs_example.json"))

    page = await source.fetch(WeatherCommand(city="Zocca"))

    assert [i.name for i in page.items] == ["Zocca"]
    assert times_requested(upstream, url) == 2


async def test_rate_limit_that_persists_raises_transient_without_the_key(
    source: DeclaredFetcher, upstream: FakeUpstream
) -> None:
    """A 429 on every attempt ends in TransientUpstreamError whose text names no key or URL."""
    url = weather_url("Zocca")
    for _ in range(3):
        upstream.get(url, status=429, body=body("weather_429_too_many_requests.json"))

    with pytest.raises(TransientUpstreamError) as caught:
        await source.fetch(WeatherCommand(city="Zocca"))

    assert str(caught.value) == "openweather list 'Zocca': HTTP 429"
    assert times_requested(upstream, url) == 3


async def test_a_detail_by_id_is_a_permanent_error(source: DeclaredFetcher) -> None:
    """The definition has no detail request: a detail command is a permanent error."""
    with pytest.raises(Exception, match="openweather has no detail request"):
        await source.fetch(DetailCommand(external_id="25"))
