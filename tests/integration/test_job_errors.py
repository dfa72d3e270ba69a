"""Pages with a job-level error close their job as failed, exactly once, in MySQL."""

from __future__ import annotations

import aiomysql

from services.writer.upsert import BatchResult, apply_batch
from shared.models.jobs import JobStatus
from shared.models.pages import PageMessage
from tests.integration.jobs_helpers import item, new_job, page, reload, stored_items

MAX_STATEMENT = 4 * 1024 * 1024
REJECTED = "openweather rejected the API key (HTTP 401)"


async def _apply(pool: aiomysql.Pool, *pages: PageMessage) -> BatchResult:
    async with pool.acquire() as conn:
        return await apply_batch(conn, list(pages), max_statement_bytes=MAX_STATEMENT)


def _with_error(message: PageMessage, error: str) -> PageMessage:
    return message.model_copy(update={"page": message.page.model_copy(update={"job_error": error})})


async def test_job_error_page_fails_the_job_with_its_message(pool: aiomysql.Pool) -> None:
    """The first page carrying a job error closes the job as failed with that message."""
    job = await new_job(pool)
    result = await _apply(pool, _with_error(page(job, "weather:London", []), REJECTED))

    done = await reload(pool, job)
    assert done.status is JobStatus.FAILED
    assert done.error == REJECTED
    assert done.finished_at is not None
    assert result.finished_jobs == {job.id: "failed"}


async def test_later_pages_of_a_failed_job_keep_it_failed(pool: aiomysql.Pool) -> None:
    """More error pages and even a good page later leave the job failed with the first message."""
    job = await new_job(pool)
    await _apply(pool, _with_error(page(job, "weather:London", []), REJECTED))
    later = await _apply(
        pool,
        _with_error(page(job, "weather:Zocca", []), "another message"),
        page(job, "weather:Paris", [item(7)]),
    )

    done = await reload(pool, job)
    assert (done.status, done.error) == (JobStatus.FAILED, REJECTED)
    assert done.pages_done == 3
    assert later.finished_jobs == {}
    assert list(await stored_items(pool)) == ["7"]


async def test_redelivered_job_error_page_is_applied_once(pool: aiomysql.Pool) -> None:
    """The same error page twice counts one page and one failure."""
    job = await new_job(pool)
    message = _with_error(page(job, "weather:London", []), REJECTED)
    await _apply(pool, message)
    again = await _apply(pool, message)

    done = await reload(pool, job)
    assert done.pages_done == 1
    assert again.duplicate_pages == 1
