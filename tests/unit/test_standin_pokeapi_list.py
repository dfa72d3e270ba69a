"""The stand-in's PokeAPI list: the README's worked examples, parameters and links."""

from __future__ import annotations

import json

import pytest

from harness.standin.pokeapi import parse_int
from harness.standin.state import StandinState
from tests.unit.standin_clients import Client, MakeClient
from tests.unit.standin_requests import (
    FIXTURE_LIST,
    get_json,
    origin,
)

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
