"""The item counts the writer keeps: GET /items totals stay exact without counting rows."""

from __future__ import annotations

from typing import Any

import aiomysql
from aiohttp.test_utils import TestClient

from services.writer.upsert import apply_batch
from shared.models.pages import PageMessage
from tests.integration.jobs_helpers import item, new_job, page

Client = TestClient[Any, Any]


async def _apply(pool: aiomysql.Pool, *pages: PageMessage) -> None:
    async with pool.acquire() as conn:
        await apply_batch(conn, list(pages), max_statement_bytes=4 * 1024 * 1024)


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


async def test_totals_stay_exact_under_redelivery_deletes_and_revivals(
    api_client: Client, pool: aiomysql.Pool
) -> None:
    """Redelivered pages add nothing; marked-deleted and revived items move between counts."""
    first = await new_job(pool)
    one = page(first, "list:0", [item(i) for i in range(1, 6)], pages_total=2)
    two = page(first, "list:5", [item(i) for i in range(6, 11)], pages_total=2)
    await _apply(pool, one)
    await _apply(pool, one, two)  # the first page again, in a batch with the second
    await _apply(pool, two)
    assert await _totals(api_client) == (10, 0) == await _counted(pool)

    shrinking = await new_job(pool)
    await _apply(pool, page(shrinking, "list:0", [item(i) for i in range(1, 8)], pages_total=1))
    assert await _totals(api_client) == (7, 3) == await _counted(pool)

    reviving = await new_job(pool, operation="detail", params={"id": 9})
    revive = page(reviving, "detail:9", [item(9), item(11)], pages_total=1)
    await _apply(pool, revive)
    await _apply(pool, revive)
    assert await _totals(api_client) == (9, 2) == await _counted(pool)


async def test_totals_by_source_and_in_all(api_client: Client, pool: aiomysql.Pool) -> None:
    """The total of one source, and of every source, come from the same kept counts."""
    job = await new_job(pool)
    await _apply(pool, page(job, "list:0", [item(i) for i in range(1, 4)], pages_total=1))
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "INSERT INTO source_item_counts (api_source, live, deleted)"
            " VALUES ('openweather', 2, 0)"
        )
        await conn.commit()
    assert (await (await api_client.get("/items")).json())["total"] == 5
    pokemon = await api_client.get("/items", params={"api_source": "pokemon"})
    assert (await pokemon.json())["total"] == 3
