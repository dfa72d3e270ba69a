"""The stand-in's data modes: recorded fixtures at real size, synthetic items, hostile bodies."""

from __future__ import annotations

import json
from pathlib import Path

import orjson

from harness.standin.catalogue import DEFAULT_FIXTURES
from harness.standin.hostile import BIG_INTEGER, hostile_detail, hostile_entries
from harness.standin.rewrite import absolutize
from harness.standin.state import StandinState
from harness.standin.synthetic import synthetic_detail
from tests.unit.standin_clients import Client, MakeClient
from tests.unit.standin_requests import (
    FIXTURE_LIST,
    POKEMON_DIR,
    WEATHER_DIR,
    get_json,
    origin,
    strings,
)


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
