"""The stand-in's PokeAPI details: rewritten links, lookups by id or name, plain 404s."""

from __future__ import annotations

import json

import pytest

from harness.standin.rewrite import absolutize
from tests.unit.standin_clients import Client
from tests.unit.standin_requests import (
    POKEMON_DIR,
    get_json,
    origin,
    strings,
)


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
