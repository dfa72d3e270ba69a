"""What a batch did to each job: counters added to ``sync_jobs``, failures recorded,
and the job closed when its last page landed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

import aiomysql

from shared.db.times import to_db
from shared.models.pages import PageMessage


@dataclass
class JobTally:
    """What one batch did to one job's counters."""

    pages: int = 0
    pages_total: int | None = None
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    deleted: int = 0  # live items the closing of a complete sync marked deleted

    @property
    def seen(self) -> int:
        """Every item the pages named, fetched or failed."""
        return self.created + self.updated + self.unchanged + self.failed


@dataclass
class BatchResult:
    """The outcome of one committed batch."""

    tallies: dict[uuid.UUID, JobTally] = field(default_factory=dict)
    duplicate_pages: int = 0
    orphan_pages: int = 0
    changed_item_ids: list[int] = field(default_factory=list)
    rows_written: int = 0  # created, changed and marked deleted: cached item lists are stale
    finished_jobs: dict[uuid.UUID, str] = field(default_factory=dict)


async def record_failures(conn: aiomysql.Connection, message: PageMessage, now: datetime) -> None:
    if not message.page.failed:
        return
    job_id = str(message.envelope.job_id)
    async with conn.cursor() as cur:
        await cur.executemany(
            "INSERT INTO sync_job_errors (job_id, external_id, error, attempts, recorded_at)"
            " VALUES (%s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE error = VALUES(error),"
            " attempts = attempts + VALUES(attempts), recorded_at = VALUES(recorded_at)",
            [
                (job_id, failure.external_id, failure.error[:1000], failure.attempts, to_db(now))
                for failure in message.page.failed
            ],
        )


async def update_job(
    conn: aiomysql.Connection, job_id: uuid.UUID, tally: JobTally, now: datetime
) -> str | None:
    """Add the tally to the job's counters; close it when its last page landed."""
    async with conn.cursor() as cur:
        await cur.execute(
            "UPDATE sync_jobs SET pages_done = pages_done + %s,"
            " pages_total = COALESCE(%s, pages_total),"
            " items_seen = items_seen + %s, items_created = items_created + %s,"
            " items_updated = items_updated + %s, items_unchanged = items_unchanged + %s,"
            " items_failed = items_failed + %s,"
            " status = IF(status = 'pending', 'running', status) WHERE id = %s",
            (
                tally.pages,
                tally.pages_total,
                tally.seen,
                tally.created,
                tally.updated,
                tally.unchanged,
                tally.failed,
                str(job_id),
            ),
        )
        await cur.execute(
            "SELECT status, pages_total, pages_done, items_failed FROM sync_jobs WHERE id = %s",
            (str(job_id),),
        )
        status, pages_total, pages_done, items_failed = await cur.fetchone()
        if status != "running" or pages_total is None or pages_done < pages_total:
            return None
        final = "partial" if items_failed else "succeeded"
        await cur.execute(
            "UPDATE sync_jobs SET status = %s, finished_at = %s, active_key = NULL WHERE id = %s",
            (final, to_db(now), str(job_id)),
        )
    return final
