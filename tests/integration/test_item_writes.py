"""Item writes in shared/db, against MariaDB: typed rows in, typed rows out."""

from __future__ import annotations

from datetime import timedelta

import aiomysql

from shared.db.item_writes import (
    ItemWrite,
    StoredItem,
    ValidatorRefresh,
    count_live_items,
    lock_items,
    refresh_validators,
    revive_items,
    touch_synced,
    upsert_items,
)
from shared.db.jobs import force_flags
from shared.values.clock import utc_now
from tests.integration.jobs_helpers import item, new_job

MAX_STATEMENT = 4 * 1024 * 1024


async def _locked(pool: aiomysql.Pool, keys: list[str]) -> dict[str, StoredItem]:
    async with pool.acquire() as conn:
        stored = await lock_items(conn, "pokemon", keys)
        await conn.commit()
    return stored


async def test_upserted_items_read_back_as_stored_items(pool: aiomysql.Pool) -> None:
    """upsert_items writes each item once; lock_items returns them by key, absent keys left out."""
    job = await new_job(pool)
    fetched_at = utc_now() - timedelta(seconds=5)
    writes = [ItemWrite(job.id, "pokemon", item(n), fetched_at) for n in (2, 1)]
    async with pool.acquire() as conn:
        assert await upsert_items(conn, writes, utc_now(), max_bytes=MAX_STATEMENT) == 2
        await conn.commit()

    stored = await _locked(pool, ["1", "2", "3"])
    assert sorted(stored) == ["1", "2"]
    assert stored["1"].content_hash == item(1).content_hash
    assert stored["1"].synced_at == fetched_at
    assert not stored["1"].deleted
    async with pool.acquire() as conn:
        assert await count_live_items(conn, "pokemon") == 2
        assert await force_flags(conn, {job.id}) == {job.id: False}
        await conn.commit()


async def test_touch_revive_and_refresh_change_only_their_columns(pool: aiomysql.Pool) -> None:
    """synced_at only moves forward, revive clears deleted_at, refresh stores new validators."""
    job = await new_job(pool)
    before = utc_now() - timedelta(minutes=1)
    async with pool.acquire() as conn:
        await upsert_items(
            conn,
            [ItemWrite(job.id, "pokemon", item(1), before)],
            utc_now(),
            max_bytes=MAX_STATEMENT,
        )
        await conn.commit()
    item_id = (await _locked(pool, ["1"]))["1"].item_id
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("UPDATE items SET deleted_at = synced_at WHERE id = %s", (item_id,))
        await conn.commit()

    later = utc_now()
    async with pool.acquire() as conn:
        await touch_synced(conn, [item_id], later)
        await touch_synced(conn, [item_id], before)  # older: ignored
        await revive_items(conn, [item_id])
        await refresh_validators(conn, [ValidatorRefresh(item_id, '"v2"', None)])
        await conn.commit()

    stored = (await _locked(pool, ["1"]))["1"]
    assert stored == StoredItem(
        item_id=item_id,
        content_hash=item(1).content_hash,
        synced_at=later,
        deleted=False,
        etag='"v2"',
        last_modified=None,
    )
