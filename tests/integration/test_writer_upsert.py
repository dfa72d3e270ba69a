"""The writer's batch upsert against real MariaDB: exact counters, idempotent pages."""

from __future__ import annotations

import asyncio

import aiomysql
import orjson

from services.writer.upsert import BatchResult, apply_batch
from shared.models.jobs import JobStatus
from shared.models.pages import FailedItem, PageMessage
from shared.resilience.retry import lock_conflict_attempts
from tests.integration.jobs_helpers import (
    earlier,
    item,
    new_job,
    page,
    reload,
    stored_items,
)

MAX_STATEMENT = 4 * 1024 * 1024


async def _apply(pool: aiomysql.Pool, *pages: PageMessage) -> BatchResult:
    async with pool.acquire() as conn:
        return await apply_batch(conn, list(pages), max_statement_bytes=MAX_STATEMENT)


async def test_first_pages_create_items_and_close_the_job(pool: aiomysql.Pool) -> None:
    """Two pages of a two-page job create every item and end the job succeeded."""
    job = await new_job(pool)
    await _apply(pool, page(job, "list:0", [item(1), item(2)], pages_total=2))
    await _apply(pool, page(job, "list:2", [item(3)]))
    done = await reload(pool, job)
    assert done.status is JobStatus.SUCCEEDED
    assert (done.pages_done, done.pages_total) == (2, 2)
    assert (done.items_created, done.items_updated, done.items_unchanged) == (3, 0, 0)
    assert done.items_seen == 3
    assert done.finished_at is not None
    assert sorted(await stored_items(pool)) == ["1", "2", "3"]


async def test_pages_out_of_order_close_the_job_only_when_all_landed(pool: aiomysql.Pool) -> None:
    """A later page landing before the fan-out page does not close the job early."""
    job = await new_job(pool)
    await _apply(pool, page(job, "list:2", [item(3)]))
    assert (await reload(pool, job)).status is JobStatus.RUNNING
    await _apply(pool, page(job, "list:0", [item(1), item(2)], pages_total=2))
    assert (await reload(pool, job)).status is JobStatus.SUCCEEDED


async def test_a_page_delivered_twice_is_applied_once(pool: aiomysql.Pool) -> None:
    """The page ledger makes a redelivered page a no-op, in one batch or across two."""
    job = await new_job(pool)
    first = page(job, "list:0", [item(1), item(2)], pages_total=2)
    result = await _apply(pool, first, first)
    assert result.duplicate_pages == 1
    await _apply(pool, first)
    stored = await reload(pool, job)
    assert (stored.pages_done, stored.items_created, stored.items_seen) == (1, 2, 2)
    assert stored.status is JobStatus.RUNNING


async def test_unchanged_resync_writes_no_row(pool: aiomysql.Pool) -> None:
    """Identical content in a new job counts every item unchanged and touches no row."""
    first = await new_job(pool)
    await _apply(pool, page(first, "list:0", [item(1), item(2)], pages_total=1))
    before = await stored_items(pool)
    second = await new_job(pool)
    await _apply(pool, page(second, "list:0", [item(1), item(2)], pages_total=1))
    again = await reload(pool, second)
    assert (again.items_created, again.items_updated, again.items_unchanged) == (0, 0, 2)
    assert again.status is JobStatus.SUCCEEDED
    assert await stored_items(pool) == before


async def test_changed_item_is_updated_and_others_left_alone(pool: aiomysql.Pool) -> None:
    """Only the item whose content hash changed is rewritten."""
    first = await new_job(pool)
    await _apply(pool, page(first, "list:0", [item(1), item(2)], pages_total=1))
    before = await stored_items(pool)
    second = await new_job(pool)
    await _apply(pool, page(second, "list:0", [item(1), item(2, weight=99)], pages_total=1))
    after = await stored_items(pool)
    counts = await reload(pool, second)
    assert (counts.items_updated, counts.items_unchanged) == (1, 1)
    assert after["1"] == before["1"]
    assert orjson.loads(after["2"][0])["weight"] == 99
    assert after["2"][2] > before["2"][2]


async def test_force_sync_rewrites_unchanged_items(pool: aiomysql.Pool) -> None:
    """With force_sync every row is rewritten even when nothing changed."""
    first = await new_job(pool)
    await _apply(pool, page(first, "list:0", [item(1), item(2)], pages_total=1))
    before = await stored_items(pool)
    forced = await new_job(pool, force_sync=True)
    await _apply(pool, page(forced, "list:0", [item(1), item(2)], pages_total=1))
    after = await stored_items(pool)
    counts = await reload(pool, forced)
    assert (counts.items_updated, counts.items_unchanged) == (2, 0)
    assert all(after[key][2] > before[key][2] for key in ("1", "2"))


async def test_late_redelivery_never_overwrites_newer_data(pool: aiomysql.Pool) -> None:
    """A page fetched before the stored row's fetch leaves the row as it is."""
    fresh = await new_job(pool)
    await _apply(pool, page(fresh, "list:0", [item(1, weight=2)], pages_total=1))
    stale = await new_job(pool)
    await _apply(
        pool, page(stale, "list:0", [item(1, weight=1)], pages_total=1, fetched_at=earlier(60))
    )
    assert orjson.loads((await stored_items(pool))["1"][0])["weight"] == 2
    assert (await reload(pool, stale)).items_unchanged == 1


async def test_failed_items_are_recorded_and_the_job_ends_partial(pool: aiomysql.Pool) -> None:
    """Permanent item failures are stored with the job while the rest of the page lands."""
    job = await new_job(pool)
    failures = [FailedItem(external_id="404", error="pokemon detail 404: HTTP 404")]
    await _apply(pool, page(job, "list:0", [item(1)], failed=failures, pages_total=1))
    done = await reload(pool, job)
    assert done.status is JobStatus.PARTIAL
    assert (done.items_created, done.items_failed, done.items_seen) == (1, 1, 2)
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT external_id, error FROM sync_job_errors WHERE job_id = %s", (str(job.id),)
        )
        assert await cur.fetchall() == (("404", "pokemon detail 404: HTTP 404"),)


async def test_large_payload_is_stored_intact(pool: aiomysql.Pool) -> None:
    """A 1.5 MB payload round-trips byte-for-byte through the multi-row upsert."""
    job = await new_job(pool)
    big = item(7, moves=["x" * 1000 for _ in range(1500)], note="é ☃ 🐉")
    await _apply(pool, page(job, "list:0", [item(6), big, item(8)], pages_total=1))
    stored = (await stored_items(pool))["7"][0]
    assert len(big.payload) > 1_500_000
    assert stored == big.payload


async def test_page_for_unknown_job_is_skipped(pool: aiomysql.Pool) -> None:
    """A page whose job does not exist writes nothing."""
    job = await new_job(pool)
    orphan = page(job.model_copy(update={"id": job.id.__class__(int=1)}), "list:0", [item(1)])
    result = await _apply(pool, orphan)
    assert result.orphan_pages == 1
    assert await stored_items(pool) == {}


async def test_concurrent_writers_keep_counters_exact(pool: aiomysql.Pool) -> None:
    """Four writers applying overlapping, repeated pages concurrently count each page once."""
    job = await new_job(pool)
    pages = [
        page(job, f"list:{n * 10}", [item(n * 10 + k) for k in range(10)], pages_total=20)
        for n in range(20)
    ]
    batches = [pages[i::4] + pages[(i + 1) % 4 :: 4] for i in range(4)]  # each page twice

    async def writer(batch: list[PageMessage]) -> None:
        for start in range(0, len(batch), 3):
            async for attempt in lock_conflict_attempts():  # as the writer service does
                with attempt:
                    await _apply(pool, *batch[start : start + 3])

    await asyncio.gather(*(writer(batch) for batch in batches))
    done = await reload(pool, job)
    assert done.status is JobStatus.SUCCEEDED
    assert (done.pages_done, done.items_created, done.items_seen) == (20, 200, 200)
    assert len(await stored_items(pool)) == 200
