"""The page ledger and item errors in shared/db, against MariaDB."""

from __future__ import annotations

import aiomysql

from shared.db.item_errors import job_errors, record_item_errors
from shared.db.ledger import LedgerRow, record_pages, seen_external_ids, written_page_keys
from shared.models.pages import FailedItem, PageMessage
from shared.values.clock import utc_now
from tests.integration.jobs_helpers import item, new_job, page


async def _record(pool: aiomysql.Pool, *messages: PageMessage) -> list[PageMessage]:
    async with pool.acquire() as conn:
        fresh = await record_pages(conn, list(messages), utc_now())
        await conn.commit()
    return fresh


async def test_a_page_is_recorded_once_however_often_it_is_inserted(pool: aiomysql.Pool) -> None:
    """The second insert of a page, in a later batch or the same one, reports nothing new."""
    job = await new_job(pool)
    first, second = page(job, "list:0", [item(1)]), page(job, "list:20", [item(2)])

    assert await _record(pool, first, first) == [first]
    assert await _record(pool, first, second, first) == [second]
    assert await _record(pool, second) == []
    assert await written_page_keys(pool, job.id) == {"list:0", "list:20"}


async def test_a_rolled_back_batch_leaves_its_pages_unrecorded(pool: aiomysql.Pool) -> None:
    """The ledger joins the caller's transaction: a rollback lets the page be applied again."""
    job = await new_job(pool)
    message = page(job, "list:0", [item(1)])
    async with pool.acquire() as conn:
        assert await record_pages(conn, [message], utc_now()) == [message]
        await conn.rollback()

    assert await written_page_keys(pool, job.id) == set()
    assert await _record(pool, message) == [message]


async def test_ledger_rows_keep_every_external_id_their_page_named(pool: aiomysql.Pool) -> None:
    """Fetched and failed ids are both what a complete sync saw."""
    job = await new_job(pool)
    failed = [FailedItem(external_id="9", error="gone")]
    message = page(job, "list:0", [item(1), item(2)], failed=failed)
    await _record(pool, message, page(job, "list:20", [item(3)]))

    row = LedgerRow.of(message, utc_now())
    assert (row.items, row.failed, row.external_ids) == (2, 1, ("1", "2", "9"))
    async with pool.acquire() as conn:
        assert await seen_external_ids(conn, job.id) == {"1", "2", "3", "9"}
        await conn.commit()


async def test_item_errors_keep_one_row_per_item_with_attempts_summed(pool: aiomysql.Pool) -> None:
    """An item failing twice keeps its latest error and the sum of its attempts."""
    job = await new_job(pool)
    async with pool.acquire() as conn:
        await record_item_errors(
            conn, job.id, [FailedItem(external_id="7", error="first")], utc_now()
        )
        await record_item_errors(
            conn,
            job.id,
            [
                FailedItem(external_id="7", error="second", attempts=2),
                FailedItem(external_id="8", error="e"),
            ],
            utc_now(),
        )
        await record_item_errors(conn, job.id, [], utc_now())
        await conn.commit()

    errors, total = await job_errors(pool, job.id, limit=10)
    assert total == 2
    by_id = {error.external_id: (error.error, error.attempts) for error in errors}
    assert by_id == {"7": ("second", 3), "8": ("e", 1)}
