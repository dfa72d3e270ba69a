"""How a job moves through its states: every statement that changes a ``sync_jobs`` row
after it was opened.

``pending`` becomes ``running`` when its first page lands, and ``running`` becomes
``succeeded`` or ``partial`` when its last page lands (``add_progress``, in the
writer's transaction). An open job may also end ``failed`` (a job-level error,
commands that could not be enqueued) or ``timed_out`` (no end before
``WORKER_JOB_TIMEOUT``). Each closing statement matches open jobs only, so a closed
job keeps its outcome; it clears ``active_key`` so an identical request may open a
new job. Functions that take a connection join the caller's transaction and never
commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import aiomysql

from shared.db.times import to_db
from shared.models.jobs import JobStatus
from shared.observability.redaction import redact
from shared.values.clock import utc_now

OPEN_STATUSES = tuple(status.value for status in JobStatus if status.is_open)
# Bound as parameters, never spelled in SQL: JobStatus is their one spelling.
OPEN_CONDITION = "status IN (" + ", ".join(["%s"] * len(OPEN_STATUSES)) + ")"
ERROR_CHARS = 1000  # the width the API shows; longer reasons are cut
TIMED_OUT_ERROR = "no progress before WORKER_JOB_TIMEOUT"

_CLOSE = (
    "UPDATE sync_jobs SET status = %s, error = COALESCE(%s, error), finished_at = %s,"  # noqa: S608 - placeholders
    " active_key = NULL WHERE id = %s AND " + OPEN_CONDITION
)
_ADD_PROGRESS = (
    "UPDATE sync_jobs SET pages_done = pages_done + %s,"
    " pages_total = COALESCE(%s, pages_total) + %s, walks_ended = walks_ended + %s,"
    " items_seen = items_seen + %s, items_created = items_created + %s,"
    " items_updated = items_updated + %s, items_unchanged = items_unchanged + %s,"
    " items_failed = items_failed + %s, status = IF(status = %s, %s, status) WHERE id = %s"
)


@dataclass(frozen=True)
class JobProgress:
    """What one batch adds to a job's counters."""

    pages: int = 0
    pages_total: int | None = None  # set by the page that fans out
    pages_added: int = 0  # for_each walks: the pages the walks these pages ended counted
    walks_ended: int = 0  # for_each walks these pages ended
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0

    @property
    def seen(self) -> int:
        """Every item the pages named, fetched or failed."""
        return self.created + self.updated + self.unchanged + self.failed


@dataclass(frozen=True)
class JobProgressRow:
    """A job's state and page counts once a batch's progress was added."""

    status: JobStatus
    pages_total: int | None
    pages_done: int
    items_failed: int
    closed: bool  # this call ended the job: ``status`` is its outcome


async def add_progress(
    conn: aiomysql.Connection, job_id: uuid.UUID, progress: JobProgress, now: datetime
) -> JobProgressRow:
    """Add a batch's counts; a pending job starts running, and ends when its last page landed
    (a for_each job: once every walk ended and every page it counted landed).

    A job already closed still counts pages that arrive late but keeps its outcome.
    """
    async with conn.cursor() as cur:
        await cur.execute(
            _ADD_PROGRESS,
            (
                progress.pages,
                progress.pages_total,
                progress.pages_added,
                progress.walks_ended,
                progress.seen,
                progress.created,
                progress.updated,
                progress.unchanged,
                progress.failed,
                JobStatus.PENDING.value,
                JobStatus.RUNNING.value,
                str(job_id),
            ),
        )
        # The UPDATE holds the row lock: what we read back is what this transaction decides on.
        await cur.execute(
            "SELECT status, pages_total, pages_done, items_failed, walks, walks_ended"
            " FROM sync_jobs WHERE id = %s",
            (str(job_id),),
        )
        status, pages_total, pages_done, items_failed, walks, walks_ended = await cur.fetchone()
    row = JobProgressRow(
        status=JobStatus(status),
        pages_total=pages_total,
        pages_done=int(pages_done),
        items_failed=int(items_failed),
        closed=False,
    )
    if row.status is not JobStatus.RUNNING or pages_total is None or pages_done < pages_total:
        return row
    if walks is not None and walks_ended < walks:  # a for_each walk has pages to count
        return row
    final = JobStatus.PARTIAL if items_failed else JobStatus.SUCCEEDED
    closed = await close_job(conn, job_id, final, now)
    return JobProgressRow(
        status=final if closed else row.status,
        pages_total=row.pages_total,
        pages_done=row.pages_done,
        items_failed=row.items_failed,
        closed=closed,
    )


async def close_job(
    conn: aiomysql.Connection,
    job_id: uuid.UUID,
    status: JobStatus,
    now: datetime,
    *,
    error: str | None = None,
) -> bool:
    """End an open job with a final ``status`` (and ``error``); False when it had ended."""
    if status.is_open:
        raise ValueError(f"{status.value} is not a final status")
    reason = None if error is None else error[:ERROR_CHARS]
    async with conn.cursor() as cur:
        changed = await cur.execute(
            _CLOSE, (status.value, reason, to_db(now), str(job_id), *OPEN_STATUSES)
        )
    return bool(changed)


async def fail_job(pool: aiomysql.Pool, job_id: uuid.UUID, error: str) -> bool:
    """Close an open job as failed with a reason, in a transaction of its own; False when it
    had ended."""
    async with pool.acquire() as conn:
        closed = await close_job(conn, job_id, JobStatus.FAILED, utc_now(), error=redact(error))
        await conn.commit()
    return closed


async def time_out_jobs(pool: aiomysql.Pool, older_than: datetime) -> list[uuid.UUID]:
    """Close open jobs started before ``older_than`` as ``timed_out``; return their ids."""
    now = utc_now()
    async with pool.acquire() as conn:
        async with conn.cursor() as cur:
            await cur.execute(
                "SELECT id FROM sync_jobs WHERE " + OPEN_CONDITION + " AND started_at < %s"  # noqa: S608 - placeholders
                " FOR UPDATE",
                (*OPEN_STATUSES, to_db(older_than)),
            )
            ids = [uuid.UUID(row[0]) for row in await cur.fetchall()]
        for job_id in ids:  # locked above: each is still open
            await close_job(conn, job_id, JobStatus.TIMED_OUT, now, error=TIMED_OUT_ERROR)
        await conn.commit()
    return ids


async def add_deleted(conn: aiomysql.Connection, job_id: uuid.UUID, count: int) -> None:
    """Add to the job's count of live items its complete sync marked deleted."""
    if count:
        async with conn.cursor() as cur:
            await cur.execute(
                "UPDATE sync_jobs SET items_deleted = items_deleted + %s WHERE id = %s",
                (count, str(job_id)),
            )


async def record_change_signal(
    conn: aiomysql.Connection, job_id: uuid.UUID, signal: str, *, skipped: bool
) -> None:
    """Store the source's change signal seen by the job; ``skipped``: it ended the job unswept."""
    async with conn.cursor() as cur:
        await cur.execute(
            "UPDATE sync_jobs SET change_signal = %s, signal_skipped = %s WHERE id = %s",
            (signal, skipped, str(job_id)),
        )
