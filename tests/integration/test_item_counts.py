"""The item counts the writer keeps: GET /items totals stay exact without counting rows."""

from __future__ import annotations

import asyncio
from typing import Any

import aiomysql
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from services.writer.upsert import apply_batch
from shared.cache.item_changes import announce_changed
from shared.models.pages import PageMessage
from tests.integration.jobs_helpers import item, new_job, page

Client = TestClient[Any, Any]


async def _apply(pool: aiomysql.Pool, redis: Redis, *pages: PageMessage) -> None:
    """Apply and announce, as the writer does after COMMIT."""
    async with pool.acquire() as conn:
        result = await apply_batch(conn, list(pages), max_statement_bytes=4 * 1024 * 1024)
    await announce_changed(redis, result.changed_item_ids, rows_written=result.rows_written > 0)


async def _counted(pool: aiomysql.Pool) -> tuple[int, int]:
    """Live and deleted pokemon items, counted from the rows themselves."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT SUM(deleted_at IS NULL), SUM(deleted_at IS NOT NULL) FROM items"
            " WHERE api_source = 'pokemon'"
        )
        live, deleted = await cur.fetchone()
        await conn.commit()
    return int(live or 0), int(deleted or 0)


async def _totals(client: Client) -> tuple[int, int]:
    live = await (await client.get("/items", params={"api_source": "pokemon"})).json()
    every = await (await client.get("/items", params={"include_deleted": "true"})).json()
    return live["total"], every["total"] - live["total"]


async def _settled_totals(client: Client, pool: aiomysql.Pool) -> tuple[int, int]:
    """The API's totals once they equal the rows' own count (kept pages hear of writes
    asynchronously); the last answer when they never do."""
    counted = await _counted(pool)
    for _ in range(500):  # five seconds
        totals = await _totals(client)
        if totals == counted:
            break
        await asyncio.sleep(0.01)
    return totals


async def test_totals_stay_exact_under_redelivery_deletes_and_revivals(
    api_client: Client, pool: aiomysql.Pool, redis: Redis
) -> None:
    """Redelivered pages add nothing; marked-deleted and revived items move between counts."""
    first = await new_job(pool)
    one = page(first, "list:0", [item(i) for i in range(1, 6)], pages_total=2)
    two = page(first, "list:5", [item(i) for i in range(6, 11)], pages_total=2)
    await _apply(pool, redis, one)
    await _apply(pool, redis, one, two)  # the first page again, in a batch with the second
    await _apply(pool, redis, two)
    assert await _settled_totals(api_client, pool) == (10, 0)

    shrinking = await new_job(pool)
    await _apply(
        pool, redis, page(shrinking, "list:0", [item(i) for i in range(1, 8)], pages_total=1)
    )
    assert await _settled_totals(api_client, pool) == (7, 3)

    reviving = await new_job(pool, operation="detail", params={"id": 9})
    revive = page(reviving, "detail:9", [item(9), item(11)], pages_total=1)
    await _apply(pool, redis, revive)
    await _apply(pool, redis, revive)
    assert await _settled_totals(api_client, pool) == (9, 2)


async def test_a_kept_page_is_dropped_when_rows_are_only_created(
    api_client: Client, pool: aiomysql.Pool, redis: Redis
) -> None:
    """A page kept in memory is dropped by a write that only created rows (no ids named)."""
    first = await new_job(pool)
    await _apply(pool, redis, page(first, "list:0", [item(1)], pages_total=1))
    assert await _settled_totals(api_client, pool) == (1, 0)
    second = await new_job(pool, operation="detail", params={"id": 2})
    await _apply(pool, redis, page(second, "detail:2", [item(2)], pages_total=1))
    assert await _settled_totals(api_client, pool) == (2, 0)


async def test_totals_by_source_and_in_all(
    api_client: Client, pool: aiomysql.Pool, redis: Redis
) -> None:
    """The total of one source, and of every source, come from the same kept counts."""
    job = await new_job(pool)
    await _apply(pool, redis, page(job, "list:0", [item(i) for i in range(1, 4)], pages_total=1))
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "INSERT INTO source_item_counts (api_source, live, deleted)"
            " VALUES ('openweather', 2, 0)"
        )
        await conn.commit()
    assert (await (await api_client.get("/items")).json())["total"] == 5
    pokemon = await api_client.get("/items", params={"api_source": "pokemon"})
    assert (await pokemon.json())["total"] == 3
