"""API integration tests' shared pieces: the write token header, stored items and row counts."""

from __future__ import annotations

from typing import Any

import aiomysql

from services.writer.upsert import apply_batch
from tests.integration.jobs_helpers import item, new_job, page

AUTH = {"Authorization": "Bearer test-token"}


async def count_rows(pool: aiomysql.Pool, table: str) -> int:
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - test constant
        (count,) = await cur.fetchone()
        await conn.commit()
    return int(count)


async def store_items(pool: aiomysql.Pool, *ids: int, **payload: Any) -> None:
    job = await new_job(pool)
    async with pool.acquire() as conn:
        await apply_batch(
            conn,
            [page(job, "list:0", [item(i, **payload) for i in ids], pages_total=1)],
            max_statement_bytes=4 * 1024 * 1024,
        )


async def stored_item_id(pool: aiomysql.Pool, external_id: str) -> int:
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT id FROM items WHERE external_id = %s", (external_id,))
        (item_id,) = await cur.fetchone()
        await conn.commit()
    return int(item_id)
