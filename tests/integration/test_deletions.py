"""Deletions mirrored against real MariaDB: a complete succeeded sync marks what it did not see."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any

import aiomysql
import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from services.writer.upsert import BatchResult, apply_batch
from shared.cache.item_changes import announce_changed
from shared.models.jobs import JobStatus, SyncJobRow
from shared.models.pages import FailedItem, PageMessage
from shared.resilience.retry import lock_conflict_attempts
from tests.integration.jobs_helpers import item, new_job, page, reload, stored_items

MAX_STATEMENT = 4 * 1024 * 1024


async def _apply(pool: aiomysql.Pool, *pages: PageMessage) -> BatchResult:
    async with pool.acquire() as conn:
        return await apply_batch(conn, list(pages), max_statement_bytes=MAX_STATEMENT)


async def _sync(
    pool: aiomysql.Pool, *ids: int, operation: str = "list", params: dict[str, Any] | None = None
) -> SyncJobRow:
    """One single-page job naming ``ids``; the job as stored afterwards."""
    job = await new_job(pool, operation=operation, params=params)
    await _apply(pool, page(job, "list:0", [item(i) for i in ids], pages_total=1))
    return await reload(pool, job)


async def _deleted_at(pool: aiomysql.Pool) -> dict[str, datetime | None]:
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT external_id, deleted_at FROM items WHERE api_source = 'pokemon'")
        rows = await cur.fetchall()
        await conn.commit()
    return {row[0]: row[1] for row in rows}


async def _item_ids(pool: aiomysql.Pool) -> dict[str, int]:
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT external_id, id FROM items")
        rows = await cur.fetchall()
        await conn.commit()
    return {row[0]: int(row[1]) for row in rows}


async def test_complete_sync_marks_unseen_items_and_writes_nothing_else(
    pool: aiomysql.Pool,
) -> None:
    """A succeeded list from offset 0 marks only the items it did not see, and counts them."""
    await _sync(pool, 1, 2, 3, 4)
    before = await stored_items(pool)
    job = await new_job(pool)
    result = await _apply(pool, page(job, "list:0", [item(1), item(3)], pages_total=1))
    done = await reload(pool, job)
    assert done.status is JobStatus.SUCCEEDED
    assert (done.items_deleted, done.items_unchanged, done.items_updated) == (2, 2, 0)
    deleted = await _deleted_at(pool)
    assert (deleted["1"], deleted["3"]) == (None, None)
    assert deleted["2"] is not None
    assert deleted["4"] is not None
    after = await stored_items(pool)
    assert (after["1"], after["3"]) == (before["1"], before["3"])  # seen rows untouched
    ids = await _item_ids(pool)
    assert sorted(result.changed_item_ids) == sorted([ids["2"], ids["4"]])  # cache evicted
    assert result.tallies[job.id].deleted == 2


async def test_items_of_another_source_are_never_marked(pool: aiomysql.Pool) -> None:
    """Marking is limited to the job's own source."""
    await _sync(pool, 1)
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "INSERT INTO items (api_source, external_id, name, content_hash, created_at,"
            " updated_at, synced_at) VALUES ('openweather', 'london', 'London', 'x',"
            " NOW(6) - INTERVAL 1 DAY, NOW(6) - INTERVAL 1 DAY, NOW(6) - INTERVAL 1 DAY)"
        )
        await conn.commit()
    done = await _sync(pool, 1)
    assert done.items_deleted == 0
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT deleted_at FROM items WHERE api_source = 'openweather'")
        assert await cur.fetchall() == ((None,),)


async def test_partial_sync_marks_nothing(pool: aiomysql.Pool) -> None:
    """A sync with a failed item ends partial and leaves every unseen item live."""
    await _sync(pool, 1, 2, 3)
    job = await new_job(pool)
    failures = [FailedItem(external_id="2", error="pokemon detail 404: HTTP 404")]
    await _apply(pool, page(job, "list:0", [item(1)], failed=failures, pages_total=1))
    done = await reload(pool, job)
    assert (done.status, done.items_deleted) == (JobStatus.PARTIAL, 0)
    assert set((await _deleted_at(pool)).values()) == {None}


async def test_sync_from_a_later_offset_marks_nothing(pool: aiomysql.Pool) -> None:
    """A list starting past offset 0 is not complete, so it marks nothing."""
    await _sync(pool, 1, 2, 3)
    done = await _sync(pool, 3, params={"offset": 2})
    assert (done.status, done.items_deleted) == (JobStatus.SUCCEEDED, 0)
    assert set((await _deleted_at(pool)).values()) == {None}


async def test_detail_sync_marks_nothing(pool: aiomysql.Pool) -> None:
    """A detail job sees one item by design and never marks the others."""
    await _sync(pool, 1, 2, 3)
    done = await _sync(pool, 2, operation="detail", params={"id": 2})
    assert (done.status, done.items_deleted) == (JobStatus.SUCCEEDED, 0)
    assert set((await _deleted_at(pool)).values()) == {None}


async def test_open_job_marks_nothing_until_its_last_page(pool: aiomysql.Pool) -> None:
    """Pages of a running job mark nothing; the closing page marks what no page named."""
    await _sync(pool, 1, 2, 3, 4)
    job = await new_job(pool)
    await _apply(pool, page(job, "list:0", [item(1)], pages_total=2))
    assert set((await _deleted_at(pool)).values()) == {None}
    await _apply(pool, page(job, "list:1", [item(3)]))
    done = await reload(pool, job)
    assert (done.status, done.items_deleted) == (JobStatus.SUCCEEDED, 2)
    deleted = await _deleted_at(pool)
    assert {key for key, value in deleted.items() if value is not None} == {"2", "4"}


async def test_returning_item_is_revived_and_counted_updated(pool: aiomysql.Pool) -> None:
    """An item seen again after its deletion gets deleted_at cleared, even with the same hash."""
    await _sync(pool, 1, 2)
    await _sync(pool, 1)
    hash_before = (await stored_items(pool))["2"][1]
    back = await _sync(pool, 1, 2)
    assert (back.items_updated, back.items_unchanged, back.items_deleted) == (1, 1, 0)
    assert (await _deleted_at(pool))["2"] is None
    assert (await stored_items(pool))["2"][1] == hash_before
    again = await _sync(pool, 1, 2)  # already deleted once: not marked again, not revived again
    assert (again.items_updated, again.items_unchanged, again.items_deleted) == (0, 2, 0)


async def test_deleted_item_is_not_marked_twice(pool: aiomysql.Pool) -> None:
    """A second complete sync that still misses an item counts no new deletion."""
    await _sync(pool, 1, 2)
    first = await _sync(pool, 1)
    marked_at = (await _deleted_at(pool))["2"]
    second = await _sync(pool, 1)
    assert (first.items_deleted, second.items_deleted) == (1, 0)
    assert (await _deleted_at(pool))["2"] == marked_at


async def test_redelivered_closing_page_does_not_count_deletions_twice(
    pool: aiomysql.Pool,
) -> None:
    """The closing page applied again, alone or in a batch, leaves items_deleted as it was."""
    await _sync(pool, 1, 2, 3)
    job = await new_job(pool)
    closing = page(job, "list:0", [item(1)], pages_total=1)
    await _apply(pool, closing)
    again = await _apply(pool, closing, closing)
    assert again.duplicate_pages == 2
    assert again.changed_item_ids == []
    done = await reload(pool, job)
    assert (done.items_deleted, done.pages_done) == (2, 1)


async def test_item_fetched_by_another_job_after_the_start_stays_live(
    pool: aiomysql.Pool,
) -> None:
    """An item rewritten by a detail job while the list ran is newer than the list's view."""
    await _sync(pool, 1, 2)
    listing = await new_job(pool)
    detail = await new_job(pool, operation="detail", params={"id": 2})
    await _apply(pool, page(detail, "detail:2", [item(2, weight=5)], pages_total=1))
    await _apply(pool, page(listing, "list:0", [item(1)], pages_total=1))
    done = await reload(pool, listing)
    assert (done.status, done.items_deleted) == (JobStatus.SUCCEEDED, 0)
    assert (await _deleted_at(pool))["2"] is None


async def test_concurrent_writers_mark_exactly_the_unseen(pool: aiomysql.Pool) -> None:
    """Four writers closing a 20-page job concurrently mark exactly the 10 unseen items."""
    await _sync(pool, *range(200))
    job = await new_job(pool)
    pages = [
        page(job, f"list:{n}", [item(n * 10 + k) for k in range(10)], pages_total=19)
        for n in range(19)  # items 190..199 are gone upstream
    ]
    batches = [pages[i::4] + pages[(i + 1) % 4 :: 4] for i in range(4)]  # each page twice

    async def writer(batch: list[PageMessage]) -> None:
        for start in range(0, len(batch), 2):
            async for attempt in lock_conflict_attempts():
                with attempt:
                    await _apply(pool, *batch[start : start + 2])

    await asyncio.gather(*(writer(batch) for batch in batches))
    done = await reload(pool, job)
    assert (done.status, done.items_deleted, done.items_unchanged) == (
        JobStatus.SUCCEEDED,
        10,
        190,
    )
    deleted = await _deleted_at(pool)
    assert sorted(int(k) for k, v in deleted.items() if v is not None) == list(range(190, 200))


async def test_many_items_are_marked_in_chunks(pool: aiomysql.Pool) -> None:
    """Several thousand unseen items are marked by chunked statements in one closing."""
    await _sync(pool, *range(6000))
    done = await _sync(pool, *range(100))
    assert done.items_deleted == 5900
    deleted = await _deleted_at(pool)
    assert sum(value is not None for value in deleted.values()) == 5900


async def test_items_api_hides_deleted_unless_asked(
    api_client: TestClient[Any, Any], pool: aiomysql.Pool
) -> None:
    """GET /items and its total skip deleted items; include_deleted=true shows them."""
    await _sync(pool, 1, 2, 3)
    await _sync(pool, 1, 3)
    live = await (await api_client.get("/items", params={"api_source": "pokemon"})).json()
    assert live["total"] == 2
    assert sorted(entry["external_id"] for entry in live["items"]) == ["1", "3"]
    assert all(entry["deleted_at"] is None for entry in live["items"])
    query = {"api_source": "pokemon", "include_deleted": "true"}
    everything = await (await api_client.get("/items", params=query)).json()
    assert everything["total"] == 3
    gone = [entry for entry in everything["items"] if entry["external_id"] == "2"]
    assert gone[0]["deleted_at"] is not None


@pytest.mark.parametrize("value", ["maybe", "2"])
async def test_items_api_rejects_a_bad_include_deleted(
    api_client: TestClient[Any, Any], pool: aiomysql.Pool, value: str
) -> None:
    """include_deleted that is not a boolean answers 422 naming it."""
    response = await api_client.get("/items", params={"include_deleted": value})
    assert response.status == 422
    fields = [detail["field"] for detail in (await response.json())["error"]["details"]]
    assert fields == ["include_deleted"]


async def test_deleted_item_is_still_served_by_id_with_deleted_at(
    api_client: TestClient[Any, Any], pool: aiomysql.Pool, redis: Redis
) -> None:
    """GET /items/{id} answers a deleted item with deleted_at set, not a stale cached copy."""
    await _sync(pool, 1, 2)
    item_id = (await _item_ids(pool))["2"]
    cached = await (await api_client.get(f"/items/{item_id}")).json()
    assert cached["deleted_at"] is None
    writer_batch = await _apply_closing(pool, 1)
    assert item_id in writer_batch.changed_item_ids
    await announce_changed(redis, writer_batch.changed_item_ids)  # what the writer does next
    deadline = time.monotonic() + 5  # the API's in-memory copy hears of it asynchronously
    while (response := await api_client.get(f"/items/{item_id}")).status == 200 and (
        body := await response.json()
    )["deleted_at"] is None:
        assert time.monotonic() < deadline, body
        await asyncio.sleep(0.01)
    assert response.status == 200
    assert body["deleted_at"] is not None
    assert body["payload"] == {"id": 2, "name": "mon-2"}


async def _apply_closing(pool: aiomysql.Pool, *ids: int) -> BatchResult:
    job = await new_job(pool)
    return await _apply(pool, page(job, "list:0", [item(i) for i in ids], pages_total=1))
