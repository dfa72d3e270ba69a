"""Pages' 304 answers and change signals, applied in the batch's transaction.

An item answered 304 is unchanged: its row keeps its payload and only ``synced_at``
moves on, provided the row still holds the validators the fetcher sent. A row that
is gone cannot be confirmed: the item counts as failed, and the next sync, finding
no row, fetches it in full.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import aiomysql

from services.writer.tally import BatchResult
from shared.db.item_errors import record_item_errors
from shared.db.job_transitions import record_change_signal
from shared.db.times import to_db
from shared.models.pages import FailedItem, NotModifiedItem, PageMessage

_CHUNK = 1000  # ids per UPDATE ... IN (...)
MISSING_ROW = "answered 304 Not Modified, but its stored row is gone; the next sync fetches it"


@dataclass(frozen=True)
class StoredValidators:
    """What the locked row holds, as far as a 304 is concerned."""

    item_id: int
    etag: str | None
    last_modified: str | None
    synced_at: datetime
    deleted: bool


@dataclass(frozen=True)
class NotModifiedOutcome:
    """Per job: how many 304s counted unchanged, revived, or failed for want of a row."""

    unchanged: dict[uuid.UUID, int]
    revived: dict[uuid.UUID, int]
    failed: dict[uuid.UUID, list[str]]
    revived_ids: list[int]


def not_modified_keys(pages: list[PageMessage]) -> dict[str, set[str]]:
    """External ids answered 304, by source: their rows are locked with the others."""
    keys: dict[str, set[str]] = defaultdict(set)
    for message in pages:
        keys[message.envelope.source].update(i.external_id for i in message.page.not_modified)
    return keys


async def apply_not_modified(
    conn: aiomysql.Connection,
    pages: list[PageMessage],
    stored: dict[str, dict[str, StoredValidators]],
    decided: dict[str, set[str]],
) -> NotModifiedOutcome:
    """Touch ``synced_at`` of every confirmed 304; ``decided`` holds keys already counted."""
    outcome = NotModifiedOutcome(defaultdict(int), defaultdict(int), defaultdict(list), [])
    touch: dict[datetime, list[int]] = defaultdict(list)
    revive: list[int] = []
    for message in pages:
        job_id, source = message.envelope.job_id, message.envelope.source
        for item in message.page.not_modified:
            if item.external_id in decided[source]:  # twice in one batch: the first counts
                outcome.unchanged[job_id] += 1
                continue
            decided[source].add(item.external_id)
            row = stored.get(source, {}).get(item.external_id)
            if row is None:
                outcome.failed[job_id].append(item.external_id)
            elif not _confirms(item, row) or message.page.fetched_at < row.synced_at:
                outcome.unchanged[job_id] += 1  # newer data than this answer is stored already
            elif row.deleted:
                outcome.revived[job_id] += 1  # listed again, and its stored payload is current
                revive.append(row.item_id)
                touch[message.page.fetched_at].append(row.item_id)
            else:
                outcome.unchanged[job_id] += 1
                touch[message.page.fetched_at].append(row.item_id)
    async with conn.cursor() as cur:
        for fetched_at, ids in sorted(touch.items()):
            for start in range(0, len(ids), _CHUNK):
                chunk = sorted(ids[start : start + _CHUNK])
                marks = ", ".join(["%s"] * len(chunk))
                await cur.execute(
                    f"UPDATE items SET synced_at = %s WHERE id IN ({marks})"  # noqa: S608 - placeholders
                    " AND synced_at < %s",
                    (to_db(fetched_at), *chunk, to_db(fetched_at)),
                )
        for start in range(0, len(revive), _CHUNK):
            chunk = sorted(revive[start : start + _CHUNK])
            marks = ", ".join(["%s"] * len(chunk))
            await cur.execute(
                f"UPDATE items SET deleted_at = NULL WHERE id IN ({marks})",  # noqa: S608
                chunk,
            )
    outcome.revived_ids.extend(revive)
    return outcome


def _confirms(item: NotModifiedItem, row: StoredValidators) -> bool:
    """The 304 speaks for the stored payload only if the row holds the validators sent."""
    return item.etag == row.etag and item.last_modified == row.last_modified


async def record_signals(
    conn: aiomysql.Connection, pages: list[PageMessage]
) -> dict[uuid.UUID, int]:
    """Store each page's change signal on its job; for a job the unchanged signal ended,
    the number of live stored items, which that job counts unchanged."""
    unchanged: dict[uuid.UUID, int] = {}
    async with conn.cursor() as cur:
        for message in pages:
            page = message.page
            if page.change_signal is None:
                continue
            await record_change_signal(
                conn, message.envelope.job_id, page.change_signal, skipped=page.unchanged_by_signal
            )
            if page.unchanged_by_signal:
                await cur.execute(
                    "SELECT COUNT(*) FROM items WHERE api_source = %s AND deleted_at IS NULL",
                    (message.envelope.source,),
                )
                (count,) = await cur.fetchone()
                unchanged[message.envelope.job_id] = int(count)
    return unchanged


async def count_not_modified(
    conn: aiomysql.Connection,
    fresh: list[PageMessage],
    locked: dict[str, dict[str, StoredValidators]],
    decided: dict[str, set[str]],
    result: BatchResult,
    now: datetime,
) -> None:
    """Count the 304s; one whose row is gone is a failure recorded on its job."""
    outcome = await apply_not_modified(conn, fresh, locked, decided)
    for job_id, count in outcome.unchanged.items():
        result.tallies[job_id].unchanged += count
    for job_id, count in outcome.revived.items():
        result.tallies[job_id].updated += count
    result.changed_item_ids.extend(outcome.revived_ids)
    for job_id, external_ids in outcome.failed.items():
        result.tallies[job_id].failed += len(external_ids)
        missing = [FailedItem(external_id=key, error=MISSING_ROW) for key in external_ids]
        await record_item_errors(conn, job_id, missing, now)
