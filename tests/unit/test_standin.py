"""Unit tests for the stand-in upstream server in ``harness/standin``."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any

import orjson
import pytest

from harness.standin.catalogue import DEFAULT_FIXTURES
from harness.standin.hostile import BIG_INTEGER, hostile_detail, hostile_entries
from harness.standin.pokeapi import parse_int
from harness.standin.process import StandinError, run_standin
from harness.standin.rewrite import absolutize
from harness.standin.state import Faults, StandinState
from harness.standin.synthetic import synthetic_detail
from shared.sources.declared import load_sources
from tests.unit.standin_clients import Client, MakeClient

POKEMON_DIR = DEFAULT_FIXTURES / "pokeapi" / "api" / "v2" / "pokemon"
WEATHER_DIR = DEFAULT_FIXTURES / "openweather"
FIXTURE_LIST: list[dict[str, str]] = json.loads((POKEMON_DIR / "index.json").read_bytes())[
    "results"
]


def weather_fixture(name: str) -> bytes:
    """Return a recorded OpenWeather body byte-exactly."""
    return (WEATHER_DIR / name).read_bytes()


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    """A stand-in serving the full recorded fixtures with no faults."""
    return await make_client(None)


def origin(client: Client) -> str:
    """Return the origin the test client addresses the server with."""
    return f"http://{client.host}:{client.port}"


async def get_json(client: Client, path: str) -> Any:
    """GET ``path``, require 200 and return the decoded JSON body."""
    response = await client.get(path)
    assert response.status == 200, await response.text()
    return json.loads(await response.read())


async def get_json_any(client: Client, path: str) -> Any:
    """GET ``path`` and return the decoded JSON body whatever the status."""
    return json.loads(await (await client.get(path)).read())


async def put_faults(client: Client, **fields: object) -> None:
    """Change fault settings through the control API."""
    response = await client.put("/_standin/faults", json=fields)
    assert response.status == 200, await response.text()


def strings(value: object) -> list[str]:
    """Return every string value (not key) inside a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []


# --- PokeAPI list -------------------------------------------------------------------------

WORKED_EXAMPLES = [
    # query, results length, first name, last name, next query, previous query
    ("", 20, "bulbasaur", "raticate", "?offset=20&limit=20", None),
    ("?limit=20&offset=0", 20, "bulbasaur", "raticate", "?offset=20&limit=20", None),
    ("?limit=20&offset=20", 20, "spearow", "wigglytuff",
     "?offset=40&limit=20", "?offset=0&limit=20"),
    ("?limit=20&offset=40", 20, "zubat", "poliwag", "?offset=60&limit=20", "?offset=20&limit=20"),
    ("?limit=10&offset=3", 10, "charmander", "weedle", "?offset=13&limit=10", "?offset=0&limit=3"),
    ("?limit=20&offset=1320", 20, FIXTURE_LIST[1320]["name"], FIXTURE_LIST[1339]["name"],
     "?offset=1340&limit=11", "?offset=1300&limit=20"),
    ("?limit=20&offset=1340", 11, FIXTURE_LIST[1340]["name"], "meowstic-female-mega",
     None, "?offset=1320&limit=20"),
    ("?limit=2000&offset=0", 1351, "bulbasaur", "meowstic-female-mega", None, None),
    ("?limit=20&offset=1351", 0, None, None, None, "?offset=1331&limit=20"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "length", "first", "last", "next_q", "previous_q"), WORKED_EXAMPLES
)
async def test_list_matches_readme_worked_examples(
    client: Client,
    query: str,
    length: int,
    first: str | None,
    last: str | None,
    next_q: str | None,
    previous_q: str | None,
) -> None:
    """Each worked example of the fixtures README gives the documented page and links."""
    page = await get_json(client, f"/api/v2/pokemon{query}")
    base = origin(client) + "/api/v2/pokemon"
    assert page["count"] == 1351
    assert len(page["results"]) == length
    if length:
        assert page["results"][0]["name"] == first
        assert page["results"][-1]["name"] == last
    assert page["next"] == (None if next_q is None else base + next_q)
    assert page["previous"] == (None if previous_q is None else base + previous_q)


async def test_list_key_order_compact_and_absolute_entry_urls(client: Client) -> None:
    """The list is compact JSON keyed count, next, previous, results with absolute item URLs."""
    response = await client.get("/api/v2/pokemon?limit=3&offset=1024")
    body = await response.read()
    assert response.content_type == "application/json"
    assert body.startswith(b'{"count":1351,"next":')
    assert b"\n" not in body
    page = json.loads(body)
    assert list(page) == ["count", "next", "previous", "results"]
    assert page["results"] == [
        {"name": "pecharunt", "url": f"{origin(client)}/api/v2/pokemon/1025/"},
        {"name": "deoxys-attack", "url": f"{origin(client)}/api/v2/pokemon/10001/"},
        {"name": "deoxys-defense", "url": f"{origin(client)}/api/v2/pokemon/10002/"},
    ]


@pytest.mark.parametrize(
    ("query", "offset", "length", "next_q"),
    [
        ("?limit=0&offset=20", 20, 20, "?offset=40&limit=20"),
        ("?limit=abc", 0, 20, "?offset=20&limit=20"),
        ("?limit=5&offset=xyz", 0, 5, "?offset=5&limit=5"),
        ("?limit=5abc&offset=0", 0, 5, "?offset=5&limit=5"),
        ("?offset=0&limit=", 0, 20, "?offset=20&limit=20"),
    ],
)
async def test_list_parameter_fallbacks(
    client: Client, query: str, offset: int, length: int, next_q: str
) -> None:
    """Zero, empty or non-number limit/offset fall back to 20/0 the way parseInt(x)||d does."""
    page = await get_json(client, f"/api/v2/pokemon{query}")
    assert len(page["results"]) == length
    assert page["results"][0]["name"] == FIXTURE_LIST[offset]["name"]
    assert page["next"] == f"{origin(client)}/api/v2/pokemon{next_q}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("20", 20), ("abc", None), ("", None), (None, None), ("12abc", 12), (" 7", 7),
     ("-3", -3), ("+4", 4), ("0x14", 20), ("1e3", 1), ("2.9", 2)],
)  # fmt: skip
def test_parse_int_follows_javascript(text: str | None, expected: int | None) -> None:
    """parse_int reads a leading integer like JavaScript parseInt and returns None for NaN."""
    assert parse_int(text) == expected


async def test_list_trailing_slash_keeps_path_in_links(client: Client) -> None:
    """With a trailing slash the same page is served and the links keep the slash."""
    page = await get_json(client, "/api/v2/pokemon/?limit=20&offset=20")
    base = origin(client) + "/api/v2/pokemon/"
    assert page["results"][0]["name"] == "spearow"
    assert page["next"] == base + "?offset=40&limit=20"
    assert page["previous"] == base + "?offset=0&limit=20"


async def test_list_limit_restricts_count_and_results(make_client: MakeClient) -> None:
    """--list-limit 75 serves count 75 and only ids whose detail exists."""
    client = await make_client(StandinState.create(list_limit=75))
    page = await get_json(client, "/api/v2/pokemon?limit=2000")
    assert page["count"] == 75
    assert [r["url"].rsplit("/", 2)[-2] for r in page["results"]] == [str(i) for i in range(1, 76)]
    assert (await client.get("/api/v2/pokemon/75/")).status == 200
    assert (await client.get("/api/v2/pokemon/76/")).status == 404


# --- PokeAPI detail -----------------------------------------------------------------------


async def test_detail_rewrites_api_links_and_keeps_sprites(client: Client) -> None:
    """A detail is the fixture with every "/api/v2/" string made absolute and nothing else."""
    response = await client.get("/api/v2/pokemon/1/")
    body = await response.read()
    assert response.status == 200
    assert response.content_type == "application/json"
    assert b"\n" not in body  # compact, unlike the indented fixture file
    detail = json.loads(body)
    fixture = json.loads((POKEMON_DIR / "1" / "index.json").read_bytes())
    assert detail == absolutize(fixture, origin(client))
    assert detail["species"]["url"] == f"{origin(client)}/api/v2/pokemon-species/1/"
    assert detail["location_area_encounters"] == f"{origin(client)}/api/v2/pokemon/1/encounters"
    assert detail["sprites"]["front_default"] == fixture["sprites"]["front_default"]
    assert detail["sprites"]["front_default"].startswith("https://raw.githubusercontent.com/")
    assert not [s for s in strings(detail) if s.startswith("/api/v2/")]


async def test_detail_without_trailing_slash_and_by_name(client: Client) -> None:
    """The id without a slash and the name (also hyphenated) resolve to the same detail."""
    by_id = await get_json(client, "/api/v2/pokemon/29/")
    assert by_id["name"] == "nidoran-f"
    assert await get_json(client, "/api/v2/pokemon/29") == by_id
    assert await get_json(client, "/api/v2/pokemon/nidoran-f/") == by_id
    assert (await get_json(client, "/api/v2/pokemon/bulbasaur"))["id"] == 1


@pytest.mark.parametrize("key", ["76", "10001", "99999", "missingno", "01"])
async def test_missing_detail_is_plain_text_404(client: Client, key: str) -> None:
    """An id or name without a detail file answers 404 with the plain-text body Not Found."""
    response = await client.get(f"/api/v2/pokemon/{key}/")
    assert response.status == 404
    assert response.content_type == "text/plain"
    assert await response.text() == "Not Found"


# --- recorded details cycled at real size -------------------------------------------------


def real_size_fixture_names() -> list[str]:
    """Names of the recorded details of 100 KB or more as compact JSON, in list order."""
    names = []
    for entry in FIXTURE_LIST:
        path = POKEMON_DIR / entry["url"].rstrip("/").rsplit("/", 1)[1] / "index.json"
        if path.is_file() and len(orjson.dumps(orjson.loads(path.read_bytes()))) >= 100_000:
            names.append(entry["name"])
    return names


async def test_recorded_mode_cycles_the_fixtures_at_real_size(make_client: MakeClient) -> None:
    """--recorded N lists ids 1..N cycling the recorded details of 100 KB+, named <name>-<id>."""
    client = await make_client(StandinState.create(recorded=160))
    page = await get_json(client, "/api/v2/pokemon?limit=1000")
    assert page["count"] == 160
    details = real_size_fixture_names()
    cycle = len(details)
    names = [f"{details[(i - 1) % cycle]}-{i}" for i in range(1, 161)]
    assert [r["name"] for r in page["results"]] == names
    for item_id in (1, cycle + 1, 160):
        response = await client.get(f"/api/v2/pokemon/{item_id}/")
        body = await response.read()
        assert len(body) >= 100_000
        detail = json.loads(body)
        assert (detail["id"], detail["name"]) == (item_id, names[item_id - 1])
    first = await get_json(client, "/api/v2/pokemon/1")
    again = await get_json(client, f"/api/v2/pokemon/{cycle + 1}")
    assert {**first, "id": 0, "name": ""} == {**again, "id": 0, "name": ""}
    assert (await client.get("/api/v2/pokemon/161/")).status == 404


# --- synthetic mode -----------------------------------------------------------------------


async def test_synthetic_list_and_detail_size(make_client: MakeClient) -> None:
    """--synthetic N lists ids 1..N named synth-<id> with details of about 2 KB."""
    client = await make_client(StandinState.create(synthetic=500))
    page = await get_json(client, "/api/v2/pokemon?limit=1000")
    assert page["count"] == 500
    assert [r["name"] for r in page["results"]] == [f"synth-{i}" for i in range(1, 501)]
    for item_id in (1, 250, 500):
        response = await client.get(f"/api/v2/pokemon/{item_id}/")
        body = await response.read()
        assert 1500 <= len(body) <= 3000
        detail = json.loads(body)
        assert detail["id"] == item_id
        assert detail["name"] == f"synth-{item_id}"
        assert detail["version"] == 1
        assert {"height", "weight", "base_experience", "order", "types", "stats", "abilities"} <= (
            detail.keys()
        )
        assert not [s for s in strings(detail) if s.startswith("/api/v2/")]
    assert (await get_json(client, "/api/v2/pokemon/synth-7"))["id"] == 7
    assert (await client.get("/api/v2/pokemon/501/")).status == 404


async def test_synthetic_details_are_deterministic(make_client: MakeClient) -> None:
    """Two independent servers serve identical synthetic details for the same id and version."""
    first = await make_client(StandinState.create(synthetic=50))
    second = await make_client(StandinState.create(synthetic=50))
    for item_id in (1, 17, 50):
        a = await get_json(first, f"/api/v2/pokemon/{item_id}")
        b = await get_json(second, f"/api/v2/pokemon/{item_id}")
        assert a == absolutize(synthetic_detail(item_id, 1), origin(first))
        assert absolutize(synthetic_detail(item_id, 1), origin(second)) == b
    assert synthetic_detail(3, 1) != synthetic_detail(4, 1)


async def test_synthetic_mutate_changes_seeded_fraction(make_client: MakeClient) -> None:
    """Mutate bumps the version of a seeded fraction of items and only their details change."""
    client = await make_client(StandinState.create(synthetic=100))
    before = {i: await get_json(client, f"/api/v2/pokemon/{i}") for i in range(1, 101)}
    response = await client.post("/_standin/synthetic/mutate", json={"fraction": 0.1, "seed": 1})
    assert response.status == 200
    changed = (await response.json())["ids"]
    assert len(changed) == 10
    for i in range(1, 101):
        after = await get_json(client, f"/api/v2/pokemon/{i}")
        assert (after != before[i]) == (i in changed)
        assert after["version"] == (2 if i in changed else 1)
    # The same seed after a reset picks the same items again.
    assert (await client.post("/_standin/reset")).status == 200
    again = await client.post("/_standin/synthetic/mutate", json={"fraction": 0.1, "seed": 1})
    assert (await again.json())["ids"] == changed


async def test_mutate_needs_synthetic_mode(client: Client) -> None:
    """Mutate on the recorded fixtures answers 409 instead of pretending to change them."""
    response = await client.post("/_standin/synthetic/mutate", json={"fraction": 0.5})
    assert response.status == 409


# --- catalogue overrides and deletes ------------------------------------------------------


async def test_put_overrides_existing_detail(client: Client) -> None:
    """PUT /_standin/pokemon/{id} replaces that item's detail, with links made absolute."""
    body = {
        "id": 1,
        "name": "bulbasaur",
        "weight": 999,
        "species": {"name": "bulbasaur", "url": "/api/v2/pokemon-species/1/"},
    }
    response = await client.put("/_standin/pokemon/1", json=body)
    assert response.status == 200
    detail = await get_json(client, "/api/v2/pokemon/1/")
    assert detail["weight"] == 999
    assert detail["species"]["url"] == f"{origin(client)}/api/v2/pokemon-species/1/"
    assert (await get_json(client, "/api/v2/pokemon"))["count"] == 1351


async def test_put_new_item_is_listed_in_id_order(make_client: MakeClient) -> None:
    """PUT of an unlisted id adds it to the list in id order under body["name"]."""
    client = await make_client(StandinState.create(list_limit=10))
    assert (await client.put("/_standin/pokemon/5000", json={"id": 5000, "name": "newmon"})).ok
    assert (await client.delete("/_standin/pokemon/5")).ok
    assert (await client.put("/_standin/pokemon/5", json={"name": "charmeleon-2"})).ok
    page = await get_json(client, "/api/v2/pokemon?limit=50")
    assert page["count"] == 11
    ids = [int(r["url"].rsplit("/", 2)[-2]) for r in page["results"]]
    assert ids == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 5000]
    assert page["results"][4]["name"] == "charmeleon-2"
    assert await get_json(client, "/api/v2/pokemon/newmon") == {"id": 5000, "name": "newmon"}


async def test_put_new_item_without_name_is_rejected(client: Client) -> None:
    """A new item without a string name cannot be listed, so the PUT answers 400."""
    assert (await client.put("/_standin/pokemon/9000", json={"id": 9000})).status == 400
    assert (await client.put("/_standin/pokemon/9000", json=[1, 2])).status == 400
    assert (await client.get("/api/v2/pokemon/9000")).status == 404


async def test_delete_removes_item_and_reset_restores(client: Client) -> None:
    """DELETE removes the item from list and details; reset brings the catalogue back."""
    response = await client.delete("/_standin/pokemon/4")
    assert (await response.json())["deleted"] is True
    assert (await (await client.delete("/_standin/pokemon/4")).json())["deleted"] is False
    page = await get_json(client, "/api/v2/pokemon?limit=5")
    assert page["count"] == 1350
    assert "charmander" not in [r["name"] for r in page["results"]]
    assert (await client.get("/api/v2/pokemon/4/")).status == 404
    assert (await client.get("/api/v2/pokemon/charmander/")).status == 404
    assert (await client.post("/_standin/reset")).status == 200
    assert (await get_json(client, "/api/v2/pokemon/charmander/"))["id"] == 4
    assert (await get_json(client, "/api/v2/pokemon"))["count"] == 1351


async def test_restore_brings_one_deleted_item_back(client: Client) -> None:
    """Restore relists one deleted item with its recorded detail; unknown ids answer 404."""
    assert (await client.delete("/_standin/pokemon/4")).status == 200
    restored = await client.post("/_standin/pokemon/4/restore")
    assert (await restored.json()) == {"id": 4, "restored": True, "count": 1351}
    assert (await get_json(client, "/api/v2/pokemon/charmander/"))["id"] == 4
    names = [r["name"] for r in (await get_json(client, "/api/v2/pokemon?limit=5"))["results"]]
    assert names == [entry["name"] for entry in FIXTURE_LIST[:5]]
    assert (await client.post("/_standin/pokemon/999999/restore")).status == 404


# --- faults -------------------------------------------------------------------------------


async def test_error_rate_one_answers_5xx(client: Client) -> None:
    """error_rate=1 answers every upstream request with 500 or 503."""
    await put_faults(client, error_rate=1)
    statuses = {(await client.get("/api/v2/pokemon/1")).status for _ in range(20)}
    assert statuses <= {500, 503}
    assert statuses


async def test_rate_429_sets_retry_after(client: Client) -> None:
    """rate_429=1 answers 429 with the configured Retry-After, weather with the 429 body."""
    await put_faults(client, rate_429=1, retry_after_s=7)
    response = await client.get("/api/v2/pokemon")
    assert response.status == 429
    assert response.headers["Retry-After"] == "7"
    weather = await client.get("/data/2.5/weather?q=London&appid=test-key")
    assert weather.status == 429
    assert weather.headers["Retry-After"] == "7"
    assert await weather.read() == weather_fixture("weather_429_too_many_requests.json")


@pytest.mark.parametrize(
    "path", ["/api/v2/pokemon", "/api/v2/pokemon/1", "/data/2.5/weather?q=Zocca&appid=test-key"]
)
async def test_broken_json_rate_truncates_200_bodies(client: Client, path: str) -> None:
    """broken_json_rate=1 answers 200 with a body that is not valid JSON."""
    await put_faults(client, broken_json_rate=1)
    response = await client.get(path)
    assert response.status == 200
    body = await response.read()
    assert body
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)


async def test_broken_json_leaves_errors_alone(client: Client) -> None:
    """broken_json_rate only breaks 200 answers; a 404 keeps its status and body."""
    await put_faults(client, broken_json_rate=1)
    response = await client.get("/api/v2/pokemon/76")
    assert response.status == 404
    assert await response.text() == "Not Found"


async def test_down_answers_503_but_control_works(client: Client) -> None:
    """down=true answers every upstream request 503 while the control API keeps working."""
    await put_faults(client, down=True)
    assert (await client.get("/api/v2/pokemon")).status == 503
    assert (await client.get("/data/2.5/weather?q=London&appid=test-key")).status == 503
    faults = await get_json(client, "/_standin/faults")
    assert faults["down"] is True
    await put_faults(client, down=False)
    assert (await client.get("/api/v2/pokemon")).status == 200


async def test_latency_is_added_to_upstream_requests(client: Client) -> None:
    """latency_ms delays each upstream answer by at least that long."""
    await put_faults(client, latency_ms=150)
    started = time.monotonic()
    assert (await client.get("/api/v2/pokemon")).status == 200
    assert time.monotonic() - started >= 0.14


async def test_hang_delays_then_answers(client: Client) -> None:
    """hang_rate=1 holds each request for hang_s before answering normally."""
    await put_faults(client, hang_rate=1, hang_s=0.3)
    started = time.monotonic()
    assert (await client.get("/api/v2/pokemon/1")).status == 200
    assert time.monotonic() - started >= 0.29


async def test_openweather_429_switch(client: Client) -> None:
    """openweather_429=true answers weather requests with the recorded 429, not PokeAPI."""
    await put_faults(client, openweather_429=True)
    weather = await client.get("/data/2.5/weather?q=London&appid=test-key")
    assert weather.status == 429
    assert await weather.read() == weather_fixture("weather_429_too_many_requests.json")
    assert (await client.get("/api/v2/pokemon")).status == 200


@pytest.mark.parametrize(
    "change",
    [{"nope": 1}, {"error_rate": 2}, {"error_rate": "x"}, {"down": 1}, {"latency_ms": -1},
     {"retry_after_s": 1.5}, {"error_rate": 1, "bogus": True}],
)  # fmt: skip
async def test_bad_fault_update_is_rejected_whole(client: Client, change: dict[str, Any]) -> None:
    """An unknown field or bad value answers 400 and changes no setting."""
    response = await client.put("/_standin/faults", json=change)
    assert response.status == 400
    assert "error" in await response.json()
    assert await get_json(client, "/_standin/faults") == Faults().to_json()


async def test_reset_restores_startup_faults(make_client: MakeClient) -> None:
    """POST /_standin/reset returns faults to the start-up settings."""
    client = await make_client(StandinState.create(faults=Faults(retry_after_s=3)))
    await put_faults(client, error_rate=1, retry_after_s=9)
    assert (await client.post("/_standin/reset")).status == 200
    faults = await get_json(client, "/_standin/faults")
    assert faults == Faults(retry_after_s=3).to_json()
    assert (await client.get("/api/v2/pokemon")).status == 200


async def test_seed_makes_faults_reproducible(make_client: MakeClient) -> None:
    """Two servers with the same seed fail exactly the same requests."""
    runs = []
    for _ in range(2):
        client = await make_client(StandinState.create(seed=42, faults=Faults(error_rate=0.5)))
        runs.append([(await client.get("/api/v2/pokemon/1")).status for _ in range(30)])
    assert runs[0] == runs[1]
    assert 200 in runs[0]
    assert set(runs[0]) & {500, 503}


# --- OpenWeather --------------------------------------------------------------------------

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


# --- stats --------------------------------------------------------------------------------


async def test_stats_count_upstream_requests_only(client: Client) -> None:
    """Stats count upstream requests by kind and status with timestamps, not control calls."""
    assert (await client.post("/_standin/stats/reset")).status == 200
    started = time.time()
    await client.get("/api/v2/pokemon")
    await client.get("/api/v2/pokemon/?offset=20")
    await client.get("/api/v2/pokemon/1")
    await client.get("/api/v2/pokemon/76")
    await client.get("/data/2.5/weather?q=London")
    await client.get("/not/an/api")
    await client.get("/_standin/faults")
    stats = await get_json(client, "/_standin/stats")
    assert stats["requests"] == 6
    assert stats["by_kind"] == {"list": 2, "detail": 2, "weather": 1, "other": 1}
    assert stats["by_status"] == {"200": 3, "404": 2, "401": 1}
    stamps = stats["timestamps"]
    assert len(stamps) == 6
    assert stamps == sorted(stamps)
    assert started <= stamps[0]
    assert stamps[-1] <= time.time()
    assert (await client.post("/_standin/stats/reset")).status == 200
    assert await get_json(client, "/_standin/stats") == {
        "requests": 0,
        "by_kind": {"list": 0, "detail": 0, "weather": 0},
        "by_status": {},
        "not_modified": 0,
        "body_bytes": 0,
        "timestamps": [],
    }


async def test_stats_count_fault_answers(client: Client) -> None:
    """Answers produced by faults are counted under their own status."""
    await put_faults(client, down=True)
    await client.get("/api/v2/pokemon")
    stats = await get_json(client, "/_standin/stats")
    assert stats["by_status"] == {"503": 1}
    assert stats["by_kind"]["list"] == 1


# --- real process -------------------------------------------------------------------------


@pytest.mark.e2e
def test_run_standin_serves_a_list_page() -> None:
    """run_standin starts the real server process, which serves a list page and exits cleanly."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with run_standin("--list-limit", "75") as standin:
        assert standin.pokeapi_url == standin.base_url + "/api/v2"
        with opener.open(f"{standin.pokeapi_url}/pokemon?limit=5&offset=70", timeout=10) as r:
            page = json.loads(r.read())
        assert page["count"] == 75
        assert [x["name"] for x in page["results"]] == [e["name"] for e in FIXTURE_LIST[70:75]]
        assert page["previous"] == f"{standin.pokeapi_url}/pokemon?offset=65&limit=5"
        assert standin.stats()["by_kind"]["list"] == 1
        assert standin.set_faults(down=True)["down"] is True
        standin.reset()
        standin.put_pokemon(76, {"id": 76, "name": "golem"})
        assert standin.delete_pokemon(76) is True
        process = standin.process
    assert process.returncode == 0


@pytest.mark.e2e
def test_run_standin_reports_bad_arguments() -> None:
    """A server that cannot start raises StandinError carrying its stderr."""
    with pytest.raises(StandinError, match="at most 1"), run_standin("--error-rate", "2"):
        pass  # pragma: no cover - never reached


def test_fixture_copy_is_complete() -> None:
    """The copied fixtures hold the list, details 1..75 and the five weather bodies."""
    assert len(FIXTURE_LIST) == 1351
    assert sorted(int(p.name) for p in POKEMON_DIR.iterdir() if p.is_dir()) == list(range(1, 76))
    assert len(list(WEATHER_DIR.glob("*.json"))) == 5
    assert (DEFAULT_FIXTURES / "README.md").is_file()
    assert Path(WEATHER_DIR / "SOURCES.md").is_file()


async def test_recorded_sizes_serve_every_listed_item_at_a_recorded_size(
    make_client: MakeClient,
) -> None:
    """--recorded-sizes answers all 1,351 listed ids, each a recorded detail renamed to it."""
    client = await make_client(StandinState.create(recorded_sizes=True))
    page = await get_json(client, "/api/v2/pokemon?limit=2000")
    assert page["count"] == 1351
    last = page["results"][-1]
    item_id = int(last["url"].rstrip("/").rsplit("/", 1)[1])
    response = await client.get(f"/api/v2/pokemon/{item_id}/")
    body = await response.read()
    assert response.status == 200
    assert len(body) > 40_000
    detail = json.loads(body)
    assert (detail["id"], detail["name"]) == (item_id, last["name"])


async def test_hostile_mode_serves_its_bodies_verbatim(make_client: MakeClient) -> None:
    """--hostile lists 7 items and serves each detail byte for byte, lone surrogate included."""
    client = await make_client(StandinState.create(hostile=True))
    page = await get_json(client, "/api/v2/pokemon?limit=100")
    assert page["count"] == 7
    for item_id, _ in hostile_entries():
        response = await client.get(f"/api/v2/pokemon/{item_id}/")
        assert await response.read() == hostile_detail(item_id)
    big = await (await client.get("/api/v2/pokemon/6/")).read()
    assert json.loads(big)["n"] == int(BIG_INTEGER)


async def test_echo_request_repeats_the_url_in_5xx_answers(client: Client) -> None:
    """echo_request=true makes error answers repeat the request URL, as leaky servers do."""
    await put_faults(client, error_rate=1.0, echo_request=True)
    response = await client.get("/data/2.5/weather", params={"q": "London", "appid": "k-123"})
    assert response.status in (500, 503)
    body = await response.json()
    assert "appid=k-123" in body["url"]
