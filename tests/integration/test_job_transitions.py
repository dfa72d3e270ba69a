"""The job state machine in shared/db, against MariaDB: each move, each counter, each guard."""

from __future__ import annotations

from datetime import timedelta

import aiomysql
import pytest

from shared.db.job_transitions import (
    TIMED_OUT_ERROR,
    JobProgress,
    JobProgressRow,
    add_deleted,
    add_progress,
    close_job,
    fail_job,
    record_change_signal,
    time_out_jobs,
)
from shared.db.jobs import open_job_for_source
from shared.models.jobs import JobStatus, SyncJobRow
from shared.values.clock import utc_now
from tests.integration.jobs_helpers import new_job, reload


async def _progress(pool: aiomysql.Pool, job: SyncJobRow, progress: JobProgress) -> JobProgressRow:
    async with pool.acquire() as conn:
        row = await add_progress(conn, job.id, progress, utc_now())
        await conn.commit()
    return row


async def _close(
    pool: aiomysql.Pool, job: SyncJobRow, status: JobStatus, error: str | None
) -> bool:
    async with pool.acquire() as conn:
        closed = await close_job(conn, job.id, status, utc_now(), error=error)
        await conn.commit()
    return closed


async def test_first_progress_moves_a_pending_job_to_running_and_adds_its_counts(
    pool: aiomysql.Pool,
) -> None:
    """A pending job's first batch makes it running and adds every counter."""
    job = await new_job(pool)
    row = await _progress(
        pool, job, JobProgress(pages=1, pages_total=3, created=4, updated=1, unchanged=2, failed=1)
    )

    assert row == JobProgressRow(
        status=JobStatus.RUNNING, pages_total=3, pages_done=1, items_failed=1, closed=False
    )
    stored = await reload(pool, job)
    assert stored.status is JobStatus.RUNNING
    assert (stored.items_seen, stored.items_created, stored.items_updated) == (8, 4, 1)
    assert (stored.items_unchanged, stored.items_failed) == (2, 1)
    assert stored.finished_at is None


async def test_last_page_closes_the_job_succeeded(pool: aiomysql.Pool) -> None:
    """The batch that brings pages_done to pages_total closes a job without failures succeeded."""
    job = await new_job(pool)
    await _progress(pool, job, JobProgress(pages=1, pages_total=2, created=1))
    row = await _progress(pool, job, JobProgress(pages=1, created=1))

    assert (row.status, row.closed, row.pages_done) == (JobStatus.SUCCEEDED, True, 2)
    stored = await reload(pool, job)
    assert stored.status is JobStatus.SUCCEEDED
    assert stored.finished_at is not None
    assert stored.items_created == 2


async def test_last_page_closes_a_job_with_failed_items_partial(pool: aiomysql.Pool) -> None:
    """A job that recorded failed items ends partial."""
    job = await new_job(pool)
    row = await _progress(pool, job, JobProgress(pages=1, pages_total=1, created=1, failed=2))

    assert (row.status, row.closed) == (JobStatus.PARTIAL, True)
    assert (await reload(pool, job)).status is JobStatus.PARTIAL


async def test_progress_without_a_known_total_keeps_the_job_running(pool: aiomysql.Pool) -> None:
    """Until a page sets pages_total the job cannot end, however many pages land."""
    job = await new_job(pool)
    row = await _progress(pool, job, JobProgress(pages=5, created=5))

    assert (row.status, row.closed, row.pages_total) == (JobStatus.RUNNING, False, None)


async def test_a_closed_job_counts_late_pages_but_keeps_its_outcome(pool: aiomysql.Pool) -> None:
    """Progress on a failed job adds its counts and neither reopens nor re-closes it."""
    job = await new_job(pool)
    assert await _close(pool, job, JobStatus.FAILED, "upstream said no")
    row = await _progress(pool, job, JobProgress(pages=1, pages_total=1, created=1))

    assert (row.status, row.closed, row.pages_done) == (JobStatus.FAILED, False, 1)
    stored = await reload(pool, job)
    assert (stored.status, stored.error) == (JobStatus.FAILED, "upstream said no")


async def test_close_job_ends_an_open_job_once(pool: aiomysql.Pool) -> None:
    """The first close wins: a second one reports False and changes nothing."""
    job = await new_job(pool)
    assert await _close(pool, job, JobStatus.FAILED, "first")
    assert not await _close(pool, job, JobStatus.SUCCEEDED, "second")

    stored = await reload(pool, job)
    assert (stored.status, stored.error) == (JobStatus.FAILED, "first")
    assert stored.finished_at is not None


async def test_close_job_frees_the_slot_of_an_identical_request(pool: aiomysql.Pool) -> None:
    """A closed job no longer counts as the source's open job."""
    job = await new_job(pool)
    assert await open_job_for_source(pool, "pokemon") == job
    await _close(pool, job, JobStatus.SUCCEEDED, None)

    assert await open_job_for_source(pool, "pokemon") is None


@pytest.mark.parametrize("status", [JobStatus.PENDING, JobStatus.RUNNING])
async def test_close_job_refuses_an_open_status(pool: aiomysql.Pool, status: JobStatus) -> None:
    """Closing to pending or running is a programming error, raised before any write."""
    job = await new_job(pool)
    with pytest.raises(ValueError, match="not a final status"):
        await _close(pool, job, status, None)
    assert (await reload(pool, job)).status is JobStatus.PENDING


async def test_fail_job_cuts_and_redacts_the_reason(pool: aiomysql.Pool) -> None:
    """fail_job stores at most 1000 characters, in a transaction of its own."""
    job = await new_job(pool)
    await fail_job(pool, job.id, "x" * 1500)

    stored = await reload(pool, job)
    assert stored.status is JobStatus.FAILED
    assert stored.error == "x" * 1000


async def test_time_out_jobs_closes_only_open_jobs_started_before_the_bound(
    pool: aiomysql.Pool,
) -> None:
    """Old open jobs end timed_out with the reason; newer and closed ones are left alone."""
    old, closed, young = await new_job(pool), await new_job(pool), await new_job(pool)
    await _close(pool, closed, JobStatus.SUCCEEDED, None)
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "UPDATE sync_jobs SET started_at = started_at - INTERVAL 1 HOUR WHERE id IN (%s, %s)",
            (str(old.id), str(closed.id)),
        )
        await conn.commit()

    assert await time_out_jobs(pool, utc_now() - timedelta(minutes=10)) == [old.id]
    timed_out = await reload(pool, old)
    assert (timed_out.status, timed_out.error) == (JobStatus.TIMED_OUT, TIMED_OUT_ERROR)
    assert (await reload(pool, closed)).status is JobStatus.SUCCEEDED
    assert (await reload(pool, young)).status is JobStatus.PENDING


async def test_add_deleted_and_the_change_signal_join_the_callers_transaction(
    pool: aiomysql.Pool,
) -> None:
    """Both writes become visible with the caller's COMMIT and vanish with its ROLLBACK."""
    job = await new_job(pool)
    async with pool.acquire() as conn:
        await add_deleted(conn, job.id, 3)
        await record_change_signal(conn, job.id, "etag-1", skipped=True)
        await conn.rollback()
        await add_deleted(conn, job.id, 2)
        await add_deleted(conn, job.id, 0)
        await record_change_signal(conn, job.id, "etag-2", skipped=False)
        await conn.commit()

    assert (await reload(pool, job)).items_deleted == 2
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT change_signal, signal_skipped FROM sync_jobs WHERE id = %s", (str(job.id),)
        )
        assert await cur.fetchone() == ("etag-2", 0)
        await conn.commit()
