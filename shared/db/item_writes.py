"""Writing items in the writer's transaction: lock the rows a batch names, then write them.

Every statement takes the caller's connection and never commits. Rows are locked and
written in key order, the same order in every writer, so two batches' gap locks
never wait on each other in a circle.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import aiomysql

from shared.db.literals import SqlValue, multi_row_statements, session_escapes
from shared.db.placeholders import chunks
from shared.db.times import from_db, to_db
from shared.models.pages import FetchedItem

_UPSERT_HEAD = (
    "INSERT INTO items (api_source, external_id, name, content_hash,"
    " created_at, updated_at, synced_at, etag, last_modified, changed_in_job)"
)
_UPSERT_TAIL = (
    "ON DUPLICATE KEY UPDATE name = VALUES(name),"
    " content_hash = VALUES(content_hash), updated_at = VALUES(updated_at),"
    " synced_at = VALUES(synced_at), deleted_at = NULL, etag = VALUES(etag),"
    " last_modified = VALUES(last_modified), changed_in_job = VALUES(changed_in_job)"
)
_PAYLOADS_HEAD = "INSERT INTO item_payloads (item_id, payload)"
_PAYLOADS_TAIL = "ON DUPLICATE KEY UPDATE payload = VALUES(payload)"
_SELECT_CHUNK = 500  # keys per SELECT ... IN (...)
_UPDATE_CHUNK = 1000  # ids per UPDATE ... IN (...)


@dataclass(frozen=True)
class StoredItem:
    """What a locked ``items`` row holds, as far as deciding a write is concerned."""

    item_id: int
    content_hash: str
    synced_at: datetime
    deleted: bool
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class ItemWrite:
    """A fetched item as its job would store it."""

    job_id: uuid.UUID
    source: str
    item: FetchedItem
    fetched_at: datetime


@dataclass(frozen=True)
class ValidatorRefresh:
    """New validators for an unchanged item: the next sync asks with these."""

    item_id: int
    etag: str | None
    last_modified: str | None


async def lock_items(
    conn: aiomysql.Connection, source: str, keys: Sequence[str]
) -> dict[str, StoredItem]:
    """Lock the source's rows of ``keys`` (sorted by the caller) and read them, by key."""
    stored: dict[str, StoredItem] = {}
    async with conn.cursor() as cur:
        for chunk, marks in chunks(keys, _SELECT_CHUNK):
            await cur.execute(
                "SELECT external_id, id, content_hash, synced_at, deleted_at, etag,"  # noqa: S608
                " last_modified FROM items"
                f" WHERE api_source = %s AND external_id IN ({marks})"
                " ORDER BY external_id FOR UPDATE",
                [source, *chunk],
            )
            for key, item_id, hash_, synced_at, deleted_at, etag, modified in await cur.fetchall():
                stored[key] = StoredItem(
                    item_id=int(item_id),
                    content_hash=hash_,
                    synced_at=from_db(synced_at) or synced_at,
                    deleted=deleted_at is not None,
                    etag=etag,
                    last_modified=modified,
                )
    return stored


async def upsert_items(
    conn: aiomysql.Connection, writes: Iterable[ItemWrite], now: datetime, *, max_bytes: int
) -> int:
    """Insert or overwrite the items' rows and payloads, live again and stamped with their
    job; how many."""
    ordered = sorted(writes, key=lambda write: (write.source, write.item.external_id))
    if not ordered:
        return 0
    # Statements no longer than max_bytes stay under max_allowed_packet even with
    # 1.5 MB payloads; the literals are escaped by shared/db/literals.py (faster).
    escapes = session_escapes(conn)
    rows = [_row(write, now) for write in ordered]
    await _execute_all(
        conn,
        multi_row_statements(
            _UPSERT_HEAD, rows, _UPSERT_TAIL, max_bytes=max_bytes, no_backslash_escapes=escapes
        ),
    )
    ids = await _item_ids(conn, ordered)
    payloads = sorted(
        ((ids[write.source, write.item.external_id], write.item.payload) for write in ordered),
        key=_first,
    )
    await _execute_all(
        conn,
        multi_row_statements(
            _PAYLOADS_HEAD,
            payloads,
            _PAYLOADS_TAIL,
            max_bytes=max_bytes,
            no_backslash_escapes=escapes,
        ),
    )
    return len(rows)


async def _execute_all(conn: aiomysql.Connection, statements: Iterable[bytes]) -> None:
    async with conn.cursor() as cur:
        for statement in statements:
            await cur.execute(statement)


async def _item_ids(
    conn: aiomysql.Connection, writes: Sequence[ItemWrite]
) -> dict[tuple[str, str], int]:
    """The row ids of the items just written, by source and key, from the unique key's index.

    A locking read, so it sees the rows as written: a consistent read would miss a row
    another writer committed after this transaction's snapshot if this upsert left it as
    it was. The rows are this transaction's already, so the shared lock never waits.
    """
    keys: dict[str, list[str]] = {}
    for write in writes:
        keys.setdefault(write.source, []).append(write.item.external_id)
    ids: dict[tuple[str, str], int] = {}
    async with conn.cursor() as cur:
        for source, source_keys in keys.items():
            for chunk, marks in chunks(source_keys, _SELECT_CHUNK):
                await cur.execute(
                    f"SELECT external_id, id FROM items WHERE api_source = %s"  # noqa: S608
                    f" AND external_id IN ({marks}) LOCK IN SHARE MODE",
                    [source, *chunk],
                )
                for key, item_id in await cur.fetchall():
                    ids[source, key] = int(item_id)
    return ids


async def refresh_validators(
    conn: aiomysql.Connection, refreshes: Iterable[ValidatorRefresh]
) -> None:
    """Store new validators on unchanged rows, in id order."""
    args = [(r.etag, r.last_modified, r.item_id) for r in sorted(refreshes, key=_by_id)]
    if args:
        async with conn.cursor() as cur:
            await cur.executemany(
                "UPDATE items SET etag = %s, last_modified = %s WHERE id = %s", args
            )


async def touch_synced(conn: aiomysql.Connection, item_ids: Iterable[int], at: datetime) -> None:
    """Move ``synced_at`` of the rows on to ``at``; a row synced later keeps its time."""
    ids = sorted(item_ids)
    async with conn.cursor() as cur:
        for chunk, marks in chunks(ids, _UPDATE_CHUNK):
            await cur.execute(
                f"UPDATE items SET synced_at = %s WHERE id IN ({marks})"  # noqa: S608 - placeholders
                " AND synced_at < %s",
                (to_db(at), *chunk, to_db(at)),
            )


async def revive_items(conn: aiomysql.Connection, item_ids: Iterable[int]) -> None:
    """Clear ``deleted_at`` of the rows: their items are listed again."""
    ids = sorted(item_ids)
    async with conn.cursor() as cur:
        for chunk, marks in chunks(ids, _UPDATE_CHUNK):
            await cur.execute(
                f"UPDATE items SET deleted_at = NULL WHERE id IN ({marks})",  # noqa: S608
                chunk,
            )


async def count_live_items(conn: aiomysql.Connection, source: str) -> int:
    """How many of the source's rows are live, as the caller's transaction sees them."""
    async with conn.cursor() as cur:
        await cur.execute(
            "SELECT COUNT(*) FROM items WHERE api_source = %s AND deleted_at IS NULL", (source,)
        )
        (count,) = await cur.fetchone()
    return int(count)


def _first(row: tuple[int, str]) -> int:
    return row[0]


def _by_id(refresh: ValidatorRefresh) -> int:
    return refresh.item_id


def _row(write: ItemWrite, now: datetime) -> tuple[SqlValue, ...]:
    item = write.item
    return (
        write.source,
        item.external_id,
        item.name[:255],
        item.content_hash,
        to_db(now),
        to_db(now),
        to_db(write.fetched_at),
        item.etag,
        item.last_modified,
        str(write.job_id),
    )
