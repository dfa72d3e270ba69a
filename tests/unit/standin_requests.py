"""Asking the in-process stand-in: its fixture files, JSON requests and fault changes."""

from __future__ import annotations

import json
from typing import Any

from harness.standin.catalogue import DEFAULT_FIXTURES
from tests.unit.standin_clients import Client

POKEMON_DIR = DEFAULT_FIXTURES / "pokeapi" / "api" / "v2" / "pokemon"
WEATHER_DIR = DEFAULT_FIXTURES / "openweather"
FIXTURE_LIST: list[dict[str, str]] = json.loads((POKEMON_DIR / "index.json").read_bytes())[
    "results"
]


def weather_fixture(name: str) -> bytes:
    """Return a recorded OpenWeather body byte-exactly."""
    return (WEATHER_DIR / name).read_bytes()


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
