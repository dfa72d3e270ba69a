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
from shared.models.pages import FetchedItem
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


async def _payloads(pool: aiomysql.Pool) -> dict[tuple[str, str], str]:
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT api_source, external_id, payload FROM items JOIN item_payloads ON item_id = id"
        )
        rows = await cur.fetchall()
        await conn.commit()
    return {(source, key): payload for source, key, payload in rows}


async def test_each_payload_lands_under_its_own_row(pool: aiomysql.Pool) -> None:
    """Two sources with the same upstream id in one call, one of them stored before: each
    payload is kept under its own row, and an update replaces the stored one."""
    job = await new_job(pool)
    now = utc_now()
    async with pool.acquire() as conn:
        await upsert_items(
            conn, [ItemWrite(job.id, "github", item(7, v=1), now)], now, max_bytes=MAX_STATEMENT
        )
        await conn.commit()
    writes = [
        ItemWrite(job.id, "pokemon", item(7, v=2), now),
        ItemWrite(job.id, "github", item(7, v=3), now),
        ItemWrite(job.id, "pokemon", item(8, v=4), now),
    ]
    async with pool.acquire() as conn:
        assert await upsert_items(conn, writes, now, max_bytes=200) == 3  # a statement a row
        await conn.commit()
    assert await _payloads(pool) == {
        (write.source, write.item.external_id): write.item.payload for write in writes
    }


async def test_ids_equal_but_for_trailing_spaces_are_two_rows(pool: aiomysql.Pool) -> None:
    """Upstream ids are compared exactly: "7" and "7 " are two items, each with its own row
    and payload, and a second write of each replaces only its own."""
    job = await new_job(pool)
    now = utc_now()

    def spaced(v: int) -> FetchedItem:
        return item(7, v=v).model_copy(update={"external_id": "7 "})

    async with pool.acquire() as conn:
        first = [
            ItemWrite(job.id, "pokemon", item(7, v=1), now),
            ItemWrite(job.id, "pokemon", spaced(2), now),
        ]
        await upsert_items(conn, first, now, max_bytes=MAX_STATEMENT)
        await conn.commit()
        assert await _payloads(pool) == {
            ("pokemon", "7"): item(7, v=1).payload,
            ("pokemon", "7 "): spaced(2).payload,
        }
        await upsert_items(
            conn, [ItemWrite(job.id, "pokemon", spaced(3), now)], now, max_bytes=MAX_STATEMENT
        )
        await conn.commit()
    assert await _payloads(pool) == {
        ("pokemon", "7"): item(7, v=1).payload,
        ("pokemon", "7 "): spaced(3).payload,
    }
