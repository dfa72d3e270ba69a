"""Item errors: the items a job could not fetch or confirm, one row per job and item."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import aiomysql

from shared.db.job_transitions import ERROR_CHARS
from shared.db.times import from_db, to_db
from shared.models.jobs import JobErrorRow
from shared.models.pages import FailedItem


async def record_item_errors(
    conn: aiomysql.Connection, job_id: uuid.UUID, failures: Sequence[FailedItem], now: datetime
) -> None:
    """Record the job's failed items in the caller's transaction.

    An item that failed before keeps one row: the latest error, the attempts summed.
    """
    if not failures:
        return
    async with conn.cursor() as cur:
        await cur.executemany(
            "INSERT INTO sync_job_errors (job_id, external_id, error, attempts, recorded_at)"
            " VALUES (%s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE error = VALUES(error),"
            " attempts = attempts + VALUES(attempts), recorded_at = VALUES(recorded_at)",
            [
                (str(job_id), f.external_id, f.error[:ERROR_CHARS], f.attempts, to_db(now))
                for f in failures
            ],
        )


async def job_errors(
    pool: aiomysql.Pool, job_id: uuid.UUID, *, limit: int
) -> tuple[list[JobErrorRow], int]:
    """The job's first ``limit`` item errors in the order recorded, and how many it has."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT COUNT(*) FROM sync_job_errors WHERE job_id = %s", (str(job_id),))
        (total,) = await cur.fetchone()
        await cur.execute(
            "SELECT external_id, error, attempts, recorded_at FROM sync_job_errors"
            " WHERE job_id = %s ORDER BY recorded_at, external_id LIMIT %s",
            (str(job_id), limit),
        )
        rows = await cur.fetchall()
        await conn.commit()
    errors = [
        JobErrorRow(
            external_id=external_id,
            error=error,
            attempts=attempts,
            recorded_at=from_db(recorded_at) or recorded_at,
        )
        for external_id, error, attempts, recorded_at in rows
    ]
    return errors, int(total)
