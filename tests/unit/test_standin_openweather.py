"""The stand-in's OpenWeather: cities mapped to recorded bodies, keys, 404s."""

from __future__ import annotations

import json

import pytest

from harness.standin.state import StandinState
from shared.sources.declared import load_sources
from tests.unit.standin_clients import Client, MakeClient
from tests.unit.standin_requests import (
    get_json,
    get_json_any,
    weather_fixture,
)

_FOR_EACH = load_sources(env={}, sources_dir=None)["openweather"].definition.list_.for_each
DEFAULT_CITIES = _FOR_EACH.value_list() if _FOR_EACH is not None else []  # OPENWEATHER_CITIES'


@pytest.mark.parametrize(
    ("query", "status", "fixture"),
    [
        ("q=London&appid=test-key", 200, "weather_200_london_recorded.json"),
        ("q=london,gb&appid=test-key&units=metric", 200, "weather_200_london_recorded.json"),
        ("q=LONDON,UK&appid=test-key", 200, "weather_200_london_recorded.json"),
        ("q=Zocca&appid=test-key", 200, "weather_200_zocca_docs_example.json"),
        ("lat=44.34&lon=10.99&appid=test-key", 200, "weather_200_zocca_docs_example.json"),
        ("q=Atlantis&appid=test-key", 404, "weather_404_city_not_found.json"),
        ("q=London", 401, "weather_401_invalid_api_key.json"),
        ("q=London&appid=wrong", 401, "weather_401_invalid_api_key.json"),
    ],
)
async def test_weather_mapping(client: Client, query: str, status: int, fixture: str) -> None:
    """Each weather query gets the README's recorded body byte-exactly with status = cod."""
    response = await client.get(f"/data/2.5/weather?{query}")
    assert response.status == status
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert await response.read() == weather_fixture(fixture)


@pytest.mark.parametrize("city", DEFAULT_CITIES)
async def test_every_default_city_has_weather(client: Client, city: str) -> None:
    """Each city of the default OPENWEATHER_CITIES answers 200 with its own name and id."""
    response = await client.get(f"/data/2.5/weather?q={city}&appid=test-key")
    assert response.status == 200
    body = json.loads(await response.read())
    assert body["name"] == city
    assert body["cod"] == 200


async def test_default_cities_have_distinct_ids(client: Client) -> None:
    """The made-up cities keep OpenWeather's own ids, so each is its own item."""
    ids = set()
    for city in DEFAULT_CITIES:
        ids.add((await get_json(client, f"/data/2.5/weather?q={city}&appid=test-key"))["id"])
    assert len(ids) == len(DEFAULT_CITIES)


async def test_weather_404_cod_is_a_string(client: Client) -> None:
    """The city-not-found body carries cod as the string "404", as the live API does."""
    body = await get_json_any(client, "/data/2.5/weather?q=Nowhere&appid=test-key")
    assert body == {"cod": "404", "message": "city not found"}


async def test_weather_key_is_configurable(make_client: MakeClient) -> None:
    """Only the configured OpenWeather key is accepted."""
    client = await make_client(StandinState.create(openweather_key="k2"))
    assert (await client.get("/data/2.5/weather?q=London&appid=k2")).status == 200
    assert (await client.get("/data/2.5/weather?q=London&appid=test-key")).status == 401
