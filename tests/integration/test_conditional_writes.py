"""Conditional sync in MySQL: 304s, stored validators and the change signal's jobs."""

from __future__ import annotations

from typing import Any

import aiomysql

from services.writer.upsert import BatchResult, apply_batch
from shared.config import DatabaseSettings
from shared.db.pool import db_pool
from shared.db.validators import ValidatorStore
from shared.models.jobs import JobStatus
from shared.models.pages import FetchedItem, NotModifiedItem, PageMessage
from shared.sources.validators import Validator
from tests.integration.jobs_helpers import item, new_job, page, reload, stored_items

MAX_STATEMENT = 4 * 1024 * 1024
TAG = 'W/"2a-abc"'


async def _apply(pool: aiomysql.Pool, *pages: PageMessage) -> BatchResult:
    async with pool.acquire() as conn:
        return await apply_batch(conn, list(pages), max_statement_bytes=MAX_STATEMENT)


def _tagged(external_id: int, etag: str = TAG, **payload: Any) -> FetchedItem:
    return item(external_id, **payload).model_copy(update={"etag": etag})


def _with(message: PageMessage, **fields: Any) -> PageMessage:
    return message.model_copy(update={"page": message.page.model_copy(update=fields)})


async def _synced(pool: aiomysql.Pool) -> dict[str, Any]:
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT external_id, synced_at, deleted_at FROM items")
        rows = await cur.fetchall()
        await conn.commit()
    return {row[0]: (row[1], row[2]) for row in rows}


async def test_a_304_counts_unchanged_and_moves_synced_at_only(pool: aiomysql.Pool) -> None:
    first = await new_job(pool)
    await _apply(pool, page(first, "list:0", [_tagged(1), _tagged(2)], pages_total=1))
    before, synced_before = await stored_items(pool), await _synced(pool)
    second = await new_job(pool)
    unchanged = [NotModifiedItem(external_id=key, etag=TAG) for key in ("1", "2")]
    await _apply(pool, _with(page(second, "list:0", [], pages_total=1), not_modified=unchanged))
    done = await reload(pool, second)
    assert done.status is JobStatus.SUCCEEDED
    counts = (done.items_created, done.items_updated, done.items_unchanged, done.items_deleted)
    assert counts == (0, 0, 2, 0)  # the 304s count as present: nothing is marked deleted
    assert await stored_items(pool) == before  # payloads and updated_at untouched
    synced = await _synced(pool)
    assert all(synced[key][0] > synced_before[key][0] for key in ("1", "2"))


async def test_a_304_whose_row_is_gone_fails_the_item(pool: aiomysql.Pool) -> None:
    job = await new_job(pool)
    gone = [NotModifiedItem(external_id="9", etag=TAG)]
    await _apply(pool, _with(page(job, "list:0", [], pages_total=1), not_modified=gone))
    done = await reload(pool, job)
    assert (done.status, done.items_failed, done.items_unchanged) == (JobStatus.PARTIAL, 1, 0)
    store = ValidatorStore(pool)
    assert await store.item_validators("pokemon", ["9"]) == {}  # so the next sync fetches it


async def test_validators_are_kept_for_unchanged_and_changed_items(pool: aiomysql.Pool) -> None:
    store = ValidatorStore(pool)
    first = await new_job(pool)
    await _apply(pool, page(first, "list:0", [item(1), item(2)], pages_total=1))
    assert await store.item_validators("pokemon", ["1", "2"]) == {}
    second = await new_job(pool)
    fresh = [_tagged(1, 'W/"1"'), _tagged(2, 'W/"2"', height=7)]
    await _apply(pool, page(second, "list:0", fresh, pages_total=1))
    done = await reload(pool, second)
    assert (done.items_updated, done.items_unchanged) == (1, 1)
    assert await store.item_validators("pokemon", ["1", "2", "3"]) == {
        "1": Validator(etag='W/"1"'),
        "2": Validator(etag='W/"2"'),
    }


async def test_a_job_the_signal_ended_counts_live_items_and_deletes_nothing(
    pool: aiomysql.Pool,
) -> None:
    store = ValidatorStore(pool)
    sweep = await new_job(pool)
    swept = _with(
        page(sweep, "list:0", [_tagged(1), _tagged(2)], pages_total=1), change_signal="h1"
    )
    await _apply(pool, swept)
    last = await store.last_sweep("pokemon")
    assert last is not None
    assert last.change_signal == "h1"
    quiet = await new_job(pool)
    ended = _with(
        page(quiet, "list:0", [], pages_total=1), change_signal="h1", unchanged_by_signal=True
    )
    await _apply(pool, ended)
    done = await reload(pool, quiet)
    assert (done.status, done.items_unchanged, done.items_deleted) == (JobStatus.SUCCEEDED, 2, 0)
    assert all(deleted is None for _, deleted in (await _synced(pool)).values())
    again = await store.last_sweep("pokemon")  # the ended job swept nothing: still the first
    assert again is not None
    assert again.started_at == last.started_at


async def test_list_answers_are_kept_per_url(pool: aiomysql.Pool) -> None:
    store = ValidatorStore(pool)
    url = "http://upstream/pokemon?limit=20&offset=0"
    assert await store.list_answer("pokemon", url) is None
    await store.save_list_answer("pokemon", url, Validator(etag=TAG), '{"count": 1}')
    await store.save_list_answer("pokemon", url, Validator(etag='W/"new"'), '{"count": 2}')
    stored = await store.list_answer("pokemon", url)
    assert stored is not None
    assert (stored.validator.etag, stored.text) == (
        'W/"new"',
        '{"count": 2}',
    )


async def test_an_autocommit_store_sees_each_new_write(
    pool: aiomysql.Pool, database_settings: DatabaseSettings
) -> None:
    """On the fetcher's autocommit pool a read leaves no snapshot open: after a write,
    the same connection's next read sees it."""
    async with db_pool(database_settings, autocommit=True) as reads:
        store = ValidatorStore(reads)
        assert await store.item_validators("pokemon", ["1"]) == {}
        job = await new_job(pool)
        await _apply(pool, page(job, "list:0", [_tagged(1)], pages_total=1))
        assert await store.item_validators("pokemon", ["1"]) == {"1": Validator(etag=TAG)}
        assert reads.size == 1  # one connection served both reads
