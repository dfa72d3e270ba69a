"""Hostile input and corrupt Redis state: a clear 4xx, or a degraded /health, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from shared.streams.names import breaker_key


@pytest.mark.parametrize(
    "raw_id",
    [
        "\u00b2",  # superscript two: str.isdigit() says yes, int() says no
        "\u0665",  # Arabic-Indic five: int() takes it, the route must not
        "%C2%B2",
        "%FF%FE",  # not UTF-8 at all
        "9" * 4301,  # past int()'s digit limit
        str(2**63),  # one past BIGINT
        "0",
        "-1",
        "+1",
        " 1",
        "1_000",
        "1e3",
    ],
)
async def test_item_ids_are_ascii_digits_within_bigint(
    api_client: TestClient[Any, Any], raw_id: str
) -> None:
    """Anything but 1..2**63-1 in ASCII digits is a 400 JSON error naming the id."""
    response = await api_client.get(f"/items/{raw_id}")
    assert response.status == 400
    assert (await response.json())["error"]["details"][0]["field"] == "id"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/items?limit=%C2%B2", "limit"),
        ("/items?offset=" + "9" * 5000, "offset"),
        ("/items?limit=+5", "limit"),
        ("/items?limit=1_0", "limit"),
        ("/items?include_deleted=yes", "include_deleted"),
        ("/items?api_source=", "api_source"),
        ("/items?api_source=openweather", "api_source"),  # known, but not enabled here
        ("/jobs?source=%FF", "source"),
        ("/jobs?limit=%00", "limit"),
    ],
)
async def test_bad_query_values_are_422_naming_the_parameter(
    api_client: TestClient[Any, Any], path: str, field: str
) -> None:
    """Unicode digits, huge numbers, loose booleans and disabled sources are refused with 422."""
    response = await api_client.get(path)
    assert response.status == 422
    assert field in [d["field"] for d in (await response.json())["error"]["details"]]


async def test_unknown_query_parameter_lists_the_allowed_ones(
    api_client: TestClient[Any, Any],
) -> None:
    """A parameter the route does not take is a 422 that names it and every allowed one."""
    response = await api_client.get("/jobs?colour=red")
    assert response.status == 422
    detail = (await response.json())["error"]["details"][0]
    assert detail["field"] == "colour"
    for allowed in ("limit", "offset", "source", "status"):
        assert allowed in detail["message"]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"state": "open", "failures": "5", "open_until_ms": "soon"}, "open_until_ms"),
        ({"state": "closed", "failures": "many"}, "failures"),
        ({"state": "ajar"}, "state"),
        ({"state": "open", "failures": "5"}, "open_until_ms"),  # open, but until when?
        ({"state": b"\xff\xfe"}, "state"),
    ],
)
async def test_corrupt_breaker_is_reported_degraded_not_a_500(
    api_client: TestClient[Any, Any], redis: Redis, fields: dict[str, Any], problem: str
) -> None:
    """A breaker hash with a garbled or missing field: /health says degraded and names it."""
    await redis.hset(breaker_key("pokemon"), mapping=fields)
    health = await api_client.get("/health")
    metrics = await api_client.get("/metrics")
    assert health.status == 200
    body = await health.json()
    assert body["status"] == "degraded"
    assert body["breakers"] == {"pokemon": "corrupt"}
    assert "itemsync:breaker:pokemon" in body["checks"]["breakers"]
    assert problem in body["checks"]["breakers"]
    assert metrics.status == 200
    assert "itemsync_stream_length" in await metrics.text()


async def test_breaker_key_of_the_wrong_type_is_reported_degraded(
    api_client: TestClient[Any, Any], redis: Redis
) -> None:
    """A breaker key that is not a hash at all is named as corrupt too."""
    await redis.set(breaker_key("pokemon"), "closed")
    health = await api_client.get("/health")
    assert health.status == 200
    assert (await health.json())["status"] == "degraded"
    assert (await api_client.get("/metrics")).status == 200


async def test_garbled_cache_and_rate_limit_keys_do_not_break_reads_or_syncs(
    api_client: TestClient[Any, Any], redis: Redis
) -> None:
    """A cache slot of the wrong type is a miss; a garbled rate-limit count starts a new window."""
    await redis.hset("itemsync:item:1", "oops", "1")
    await redis.set("itemsync:ratelimit:sync:addr:127.0.0.1", "not-a-number")
    assert (await api_client.get("/items/1")).status == 404
    answer = await api_client.post("/sync", json={}, headers={"Authorization": "Bearer test-token"})
    assert answer.status == 202
