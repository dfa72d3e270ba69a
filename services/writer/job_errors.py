"""Pages that carry a job-level error close their job as failed, in the batch's transaction."""

from __future__ import annotations

import uuid
from datetime import datetime

import aiomysql

from shared.db.times import to_db
from shared.models.jobs import JobStatus
from shared.models.pages import PageMessage


async def fail_jobs(
    conn: aiomysql.Connection, pages: list[PageMessage], now: datetime
) -> dict[uuid.UUID, str]:
    """Close the open jobs named by pages with ``job_error``; the jobs this closed, by id.

    The first such page wins the message; a job already closed keeps its outcome.
    """
    failed: dict[uuid.UUID, str] = {}
    async with conn.cursor() as cur:
        for message in pages:
            error = message.page.job_error
            job_id = message.envelope.job_id
            if error is None or job_id in failed:
                continue
            closed = await cur.execute(
                "UPDATE sync_jobs SET status = %s, error = %s, finished_at = %s, active_key = NULL"
                " WHERE id = %s AND status IN ('pending', 'running')",
                (JobStatus.FAILED.value, error[:1000], to_db(now), str(job_id)),
            )
            if closed:
                failed[job_id] = JobStatus.FAILED.value
    return failed
