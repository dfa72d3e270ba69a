"""Reading and ageing when stored list answers were last used."""

from __future__ import annotations

from datetime import timedelta

import aiomysql

from shared.db.times import to_db
from shared.values.clock import utc_now


async def used_ago(pool: aiomysql.Pool) -> dict[str, timedelta]:
    """How long ago each stored answer (by page URL) was last used."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT page_url, used_at FROM list_answers")
        rows = await cur.fetchall()
        await conn.commit()
    now = to_db(utc_now())
    return {url: now - used_at for url, used_at in rows}


async def set_used(pool: aiomysql.Pool, ago: timedelta, url: str | None = None) -> None:
    """Mark the answer of ``url`` (every answer: None) last used ``ago``."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "UPDATE list_answers SET used_at = %s WHERE %s IS NULL OR page_url = %s",
            (to_db(utc_now() - ago), url, url),
        )
        await conn.commit()
