"""The item endpoints against real Redis and MariaDB: paging, bad queries, the item cache."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiomysql
import orjson
import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from shared.cache.item_changes import announce_changed
from shared.streams import names
from tests.integration.api_helpers import store_items, stored_item_id


async def test_items_pages_through_stored_items(
    api_client: TestClient[Any, Any], pool: aiomysql.Pool
) -> None:
    """GET /items returns a page without payloads and the total count."""
    await store_items(pool, 1, 2, 3)
    response = await api_client.get(
        "/items", params={"limit": 2, "offset": 1, "api_source": "pokemon"}
    )
    assert response.status == 200
    body = await response.json()
    assert (body["total"], body["limit"], body["offset"]) == (3, 2, 1)
    assert len(body["items"]) == 2
    assert "payload" not in body["items"][0]
    assert {entry["name"] for entry in body["items"]} <= {"mon-1", "mon-2", "mon-3"}


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "ten"},
        {"offset": "-1"},
        {"api_source": "digimon"},
        {"colour": "red"},
    ],
)
async def test_items_rejects_bad_queries(
    api_client: TestClient[Any, Any], pool: aiomysql.Pool, query: dict[str, str]
) -> None:
    """Out-of-range or unknown query parameters answer 422 naming the parameter."""
    response = await api_client.get("/items", params=query)
    assert response.status == 422
    fields = [detail["field"] for detail in (await response.json())["error"]["details"]]
    assert next(iter(query)) in fields


async def test_item_is_served_with_its_payload_and_cached(
    api_client: TestClient[Any, Any], pool: aiomysql.Pool, redis: Redis
) -> None:
    """GET /items/{id} returns the payload intact (1.5 MB here) and fills the cache."""
    moves = ["m" * 1000 for _ in range(1500)]
    await store_items(pool, 7, moves=moves, note="é ☃")
    item_id = await stored_item_id(pool, "7")
    response = await api_client.get(f"/items/{item_id}")
    assert response.status == 200
    body = orjson.loads(await response.read())
    assert body["payload"] == {"id": 7, "name": "mon-7", "moves": moves, "note": "é ☃"}
    assert body["external_id"] == "7"
    deadline = time.monotonic() + 5  # filled in the background, after the answer
    while (cached := await redis.get(names.item_cache_key(item_id))) is None:
        assert time.monotonic() < deadline, "the cache was not filled"
        await asyncio.sleep(0.01)
    assert orjson.loads(cached) == body


async def test_a_write_keeps_the_old_item_out_of_the_cache(
    api_client: TestClient[Any, Any], pool: aiomysql.Pool, redis: Redis
) -> None:
    """After the writer marks a changed item, reads serve the new row and do not cache it."""
    await store_items(pool, 5, weight=1)
    item_id = await stored_item_id(pool, "5")
    await api_client.get(f"/items/{item_id}")
    await store_items(pool, 5, weight=2)
    await announce_changed(redis, [item_id])  # what the writer does after COMMIT
    deadline = time.monotonic() + 5  # the API's in-memory copy hears of it asynchronously
    while True:
        body = await (await api_client.get(f"/items/{item_id}")).json()
        if body["payload"]["weight"] == 2:
            break
        assert time.monotonic() < deadline, body
        await asyncio.sleep(0.01)
    assert await redis.get(names.item_cache_key(item_id)) == b""


@pytest.mark.parametrize(
    ("path", "status"),
    [("/items/abc", 400), ("/items/0", 400), ("/items/99999", 404), ("/items/1.5", 400)],
)
async def test_item_lookup_errors_are_json(
    api_client: TestClient[Any, Any], pool: aiomysql.Pool, path: str, status: int
) -> None:
    """A non-numeric id is a 400 and an absent one a 404, both as JSON errors."""
    response = await api_client.get(path)
    assert response.status == status
    assert (await response.json())["error"]["message"]
