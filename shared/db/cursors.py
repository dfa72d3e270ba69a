"""Incremental cursors: the largest ``cursor_field`` a job saw, kept per source once it succeeds.

A job's pages raise ``sync_jobs.cursor_seen`` as they land (in the writer's
transaction, under the job's row lock); the transaction that closes a list job as
``succeeded`` copies it to ``source_cursors``, which the next list of the source sends.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import aiomysql

from shared.db.times import to_db
from shared.sources.declared.incremental import later_cursor


async def raise_job_cursor(
    conn: aiomysql.Connection, job_id: uuid.UUID, cursor: str | None, *, incremental: bool
) -> None:
    """Keep the later of the job's cursor and ``cursor``; mark a job that saw changes only."""
    async with conn.cursor() as cur:
        await cur.execute(
            "SELECT cursor_seen FROM sync_jobs WHERE id = %s FOR UPDATE", (str(job_id),)
        )
        row = await cur.fetchone()
        if row is None:
            return
        latest = later_cursor(row[0], cursor)
        await cur.execute(
            "UPDATE sync_jobs SET cursor_seen = %s, incremental = incremental OR %s WHERE id = %s",
            (latest, incremental, str(job_id)),
        )


async def job_is_incremental(conn: aiomysql.Connection, job_id: uuid.UUID) -> bool:
    """True when the job asked for changed records only: its pages are not the whole source."""
    async with conn.cursor() as cur:
        await cur.execute("SELECT incremental FROM sync_jobs WHERE id = %s", (str(job_id),))
        row = await cur.fetchone()
    return bool(row and row[0])


async def keep_source_cursor(conn: aiomysql.Connection, job_id: uuid.UUID, now: datetime) -> None:
    """Store a succeeded list job's cursor as its source's (never moving it back)."""
    async with conn.cursor() as cur:
        await cur.execute(
            "SELECT s.source, s.operation, s.cursor_seen, c.cursor_value FROM sync_jobs s"
            " LEFT JOIN source_cursors c ON c.api_source = s.source WHERE s.id = %s",
            (str(job_id),),
        )
        row = await cur.fetchone()
        if row is None or row[1] != "list" or row[2] is None:
            return
        source, _, seen, stored = row
        latest = later_cursor(stored, seen)
        await cur.execute(
            "INSERT INTO source_cursors (api_source, cursor_value, job_id, updated_at)"
            " VALUES (%s, %s, %s, %s) ON DUPLICATE KEY UPDATE cursor_value = VALUES(cursor_value),"
            " job_id = VALUES(job_id), updated_at = VALUES(updated_at)",
            (source, latest, str(job_id), to_db(now)),
        )


async def source_cursor(pool: aiomysql.Pool, source: str) -> str | None:
    """The cursor the next list of ``source`` sends: its last succeeded list's largest."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT cursor_value FROM source_cursors WHERE api_source = %s", (source,)
        )
        row = await cur.fetchone()
        await conn.commit()  # end the read's snapshot: the next read sees newer cursors
    return None if row is None else str(row[0])
