"""The page ledger: a page is applied once per ``(job_id, page_key)``, in its batch's
transaction, and its row keeps the external ids it named for deletion mirroring."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import aiomysql
import orjson

from shared.db.times import to_db
from shared.models.pages import PageMessage

_INSERT = (
    # A no-op update on a duplicate reports 0 rows, without INSERT IGNORE's warning.
    "INSERT INTO sync_job_pages (job_id, page_key, items, failed, external_ids, written_at)"
    " VALUES (%s, %s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE job_id = job_id"
)


@dataclass(frozen=True)
class LedgerRow:
    """One row of ``sync_job_pages``: a page applied, and the external ids it named."""

    job_id: uuid.UUID
    page_key: str
    items: int  # fetched and answered 304
    failed: int
    external_ids: tuple[str, ...]  # fetched, 304 and failed: what a complete sync saw
    written_at: datetime

    @classmethod
    def of(cls, message: PageMessage, now: datetime) -> LedgerRow:
        """The row that records ``message`` as applied at ``now``."""
        page = message.page
        ids = [item.external_id for item in page.items]
        ids.extend(item.external_id for item in page.not_modified)  # present, unchanged
        ids.extend(failure.external_id for failure in page.failed)
        return cls(
            job_id=message.envelope.job_id,
            page_key=page.page_key,
            items=len(page.items) + len(page.not_modified),
            failed=len(page.failed),
            external_ids=tuple(ids),
            written_at=now,
        )


async def record_pages(
    conn: aiomysql.Connection, messages: list[PageMessage], now: datetime
) -> list[PageMessage]:
    """Insert the pages into the ledger; those not applied before, in batch order.

    One multi-row statement does it when every page is new (the usual case: its
    affected rows then equal the pages). Otherwise some page was applied before,
    so undo it and insert page by page to learn which.
    """
    unique: dict[tuple[uuid.UUID, str], PageMessage] = {}
    for message in messages:  # a page twice in one batch: its first copy is the one applied
        unique.setdefault((message.envelope.job_id, message.page.page_key), message)
    if not unique:
        return []
    rows = {key: LedgerRow.of(message, now) for key, message in unique.items()}
    # Key order, as every writer inserts: the gap locks never wait on each other in a circle.
    in_key_order = sorted(rows.values(), key=lambda row: (str(row.job_id), row.page_key))
    async with conn.cursor() as cur:
        await cur.execute("SAVEPOINT ledger")
        inserted = await cur.executemany(_INSERT, [_params(row) for row in in_key_order])
        if inserted == len(rows):
            return list(unique.values())
        await cur.execute("ROLLBACK TO SAVEPOINT ledger")
        fresh = []
        for key, message in unique.items():
            if await cur.execute(_INSERT, _params(rows[key])):
                fresh.append(message)
        return fresh


def _params(row: LedgerRow) -> tuple[str, str, int, int, str, datetime]:
    ids = orjson.dumps(list(row.external_ids)).decode()
    return (str(row.job_id), row.page_key, row.items, row.failed, ids, to_db(row.written_at))


async def written_page_keys(pool: aiomysql.Pool, job_id: uuid.UUID) -> set[str]:
    """The page keys the ledger holds for a job: pages already applied."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT page_key FROM sync_job_pages WHERE job_id = %s", (str(job_id),))
        rows = await cur.fetchall()
        await conn.commit()
    return {row[0] for row in rows}


async def seen_external_ids(conn: aiomysql.Connection, job_id: uuid.UUID) -> set[str] | None:
    """Every external id the job's pages named, or None when a page did not record them."""
    seen: set[str] = set()
    async with conn.cursor() as cur:
        # A locking read sees pages other writers committed after our snapshot began.
        await cur.execute(
            "SELECT external_ids FROM sync_job_pages WHERE job_id = %s LOCK IN SHARE MODE",
            (str(job_id),),
        )
        for (ids_json,) in await cur.fetchall():
            if ids_json is None:  # written before the ledger kept ids
                return None
            seen.update(orjson.loads(ids_json))
    return seen
