"""GET /sources/{source}/items/{external_id} against real MariaDB and Redis."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiomysql
import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from services.writer.upsert import apply_batch
from shared.cache.item_changes import announce_changed
from shared.streams import names
from tests.integration.jobs_helpers import item, new_job, page

Client = TestClient[Any, Any]


async def _store(pool: aiomysql.Pool, *ids: int) -> None:
    job = await new_job(pool)
    async with pool.acquire() as conn:
        await apply_batch(
            conn,
            [page(job, "list:0", [item(i) for i in ids], pages_total=1)],
            max_statement_bytes=4 * 1024 * 1024,
        )


async def test_lookup_by_upstream_id_answers_like_lookup_by_id(
    api_client: Client, pool: aiomysql.Pool, redis: Redis
) -> None:
    """The item found by source and upstream id is the same answer, from the same cache."""
    await _store(pool, 7, 25)
    by_source = await api_client.get("/sources/pokemon/items/25")
    assert by_source.status == 200
    body = await by_source.json()
    assert (body["external_id"], body["payload"]["name"]) == ("25", "mon-25")
    by_id = await api_client.get(f"/items/{body['id']}")
    assert await by_id.read() == await by_source.read()
    assert await redis.exists(names.item_cache_key(body["id"]))
    again = await api_client.get("/sources/pokemon/items/25")
    assert await again.read() == await by_source.read()


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/sources/pokemon/items/999", 404),
        ("/sources/nosuch/items/1", 404),
        ("/sources/openweather/items/London", 404),  # not enabled in these settings
        (f"/sources/pokemon/items/{'9' * 192}", 400),
    ],
)
async def test_lookup_errors_are_json(api_client: Client, path: str, status: int) -> None:
    """An unknown item or source is a JSON 404; an over-long id a JSON 400."""
    response = await api_client.get(path)
    assert response.status == status
    assert "error" in await response.json()


async def test_a_row_removed_by_hand_is_looked_up_again(
    api_client: Client, pool: aiomysql.Pool, redis: Redis
) -> None:
    """A remembered id whose row is gone answers 404 and is forgotten, not served forever."""
    await _store(pool, 3)
    first = await (await api_client.get("/sources/pokemon/items/3")).json()
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("DELETE FROM items")
        await conn.commit()
    await announce_changed(redis, [first["id"]])  # what a writer does after changing a row
    deadline = time.monotonic() + 5  # the in-process copy hears of it asynchronously
    while (await api_client.get("/sources/pokemon/items/3")).status != 404:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.01)
    await _store(pool, 3)
    found = await (await api_client.get("/sources/pokemon/items/3")).json()
    assert found["id"] != first["id"]


async def test_ids_that_differ_only_in_trailing_spaces_are_looked_up_exactly(
    api_client: Client, pool: aiomysql.Pool
) -> None:
    """ "7" and "7 " are two items: each path answers its own, and the list filter too."""
    job = await new_job(pool)
    spaced = item(8).model_copy(update={"external_id": "7 "})
    async with pool.acquire() as conn:
        await apply_batch(
            conn, [page(job, "list:0", [item(7), spaced])], max_statement_bytes=4 * 1024 * 1024
        )
    plain = await (await api_client.get("/sources/pokemon/items/7")).json()
    padded = await (await api_client.get("/sources/pokemon/items/7%20")).json()
    assert (plain["external_id"], plain["payload"]["name"]) == ("7", "mon-7")
    assert (padded["external_id"], padded["payload"]["name"]) == ("7 ", "mon-8")
    listed = await (await api_client.get("/items", params={"external_id": "7 "})).json()
    assert [entry["external_id"] for entry in listed["items"]] == ["7 "]
