"""The page ledger: a page is applied once per ``(job_id, page_key)``, in its batch's
transaction, and its row keeps the external ids it named for deletion mirroring."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import aiomysql
import orjson

from shared.db.times import to_db
from shared.models.pages import PageMessage

_LEDGER_INSERT = (
    # A no-op update on a duplicate reports 0 rows, without INSERT IGNORE's warning.
    "INSERT INTO sync_job_pages (job_id, page_key, items, failed, external_ids, written_at)"
    " VALUES (%s, %s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE job_id = job_id"
)


async def record_pages(
    conn: aiomysql.Connection, messages: list[PageMessage], now: datetime
) -> list[PageMessage]:
    """Insert the pages into the ledger; those not applied before, in batch order.

    One multi-row statement does it when every page is new (the usual case: its
    affected rows then equal the pages). Otherwise some page was applied before,
    so undo it and insert page by page to learn which.
    """
    unique: list[PageMessage] = []
    seen: set[tuple[uuid.UUID, str]] = set()
    for message in messages:  # a page twice in one batch: its first copy is the one applied
        key = (message.envelope.job_id, message.page.page_key)
        if key not in seen:
            seen.add(key)
            unique.append(message)
    if not unique:
        return []
    rows = sorted(_ledger_row(message, now) for message in unique)
    async with conn.cursor() as cur:
        await cur.execute("SAVEPOINT ledger")
        inserted = await cur.executemany(_LEDGER_INSERT, rows)
        if inserted == len(rows):
            return unique
        await cur.execute("ROLLBACK TO SAVEPOINT ledger")
        fresh = []
        for message in unique:
            if await cur.execute(_LEDGER_INSERT, _ledger_row(message, now)):
                fresh.append(message)
        return fresh


def _ledger_row(message: PageMessage, now: datetime) -> tuple[Any, ...]:
    return (
        str(message.envelope.job_id),
        message.page.page_key,
        len(message.page.items) + len(message.page.not_modified),
        len(message.page.failed),
        _page_ids_json(message),
        to_db(now),
    )


def _page_ids_json(message: PageMessage) -> str:
    """The external ids a page named, fetched or failed: what a complete sync saw."""
    ids = [item.external_id for item in message.page.items]
    ids.extend(item.external_id for item in message.page.not_modified)  # present, unchanged
    ids.extend(failure.external_id for failure in message.page.failed)
    return orjson.dumps(ids).decode()
