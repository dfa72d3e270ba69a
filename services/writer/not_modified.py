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
from shared.db.item_writes import StoredItem, count_live_items, revive_items, touch_synced
from shared.db.job_transitions import record_change_signal
from shared.models.pages import FailedItem, NotModifiedItem, PageMessage

MISSING_ROW = "answered 304 Not Modified, but its stored row is gone; the next sync fetches it"


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
    stored: dict[str, dict[str, StoredItem]],
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
    for fetched_at, ids in sorted(touch.items()):
        await touch_synced(conn, ids, fetched_at)
    await revive_items(conn, revive)
    outcome.revived_ids.extend(revive)
    return outcome


def _confirms(item: NotModifiedItem, row: StoredItem) -> bool:
    """The 304 speaks for the stored payload only if the row holds the validators sent."""
    return item.etag == row.etag and item.last_modified == row.last_modified


async def record_signals(
    conn: aiomysql.Connection, pages: list[PageMessage]
) -> dict[uuid.UUID, int]:
    """Store each page's change signal on its job; for a job the unchanged signal ended,
    the number of live stored items, which that job counts unchanged."""
    unchanged: dict[uuid.UUID, int] = {}
    for message in pages:
        page = message.page
        if page.change_signal is None:
            continue
        await record_change_signal(
            conn, message.envelope.job_id, page.change_signal, skipped=page.unchanged_by_signal
        )
        if page.unchanged_by_signal:
            live = await count_live_items(conn, message.envelope.source)
            unchanged[message.envelope.job_id] = live
    return unchanged


async def count_not_modified(
    conn: aiomysql.Connection,
    fresh: list[PageMessage],
    locked: dict[str, dict[str, StoredItem]],
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
