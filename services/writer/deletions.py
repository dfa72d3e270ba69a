"""Mirror deletions: a complete list sync that succeeded marks the items it did not see.

Runs inside the transaction that closes the job as ``succeeded``, so it happens
exactly once per job. Each page's ledger row holds the external ids the page
named; the union of a job's ledger rows is what the sync saw. Items of the
source that are live, were last fetched before the job started and are in no
page of the job get ``deleted_at``; nothing else is written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

import aiomysql
from pydantic import ValidationError

from shared.db.job_transitions import add_deleted
from shared.db.ledger import seen_external_ids
from shared.db.placeholders import chunks
from shared.db.times import to_db
from shared.models.spec import SyncSpec

SCAN_CHUNK = 5000  # live items read per keyset step
MARK_CHUNK = 1000  # ids per UPDATE ... IN (...)


@dataclass
class Marked:
    """What closing one job marked: how many rows, and which item ids to evict from the cache."""

    count: int = 0
    item_ids: list[int] = field(default_factory=list)


async def mark_unseen_deleted(
    conn: aiomysql.Connection, job_id: uuid.UUID, now: datetime
) -> Marked:
    """Mark the source's live items that the job's pages never named; add the count to the job.

    Call only in the transaction that closes the job as ``succeeded``.
    """
    job = await _job(conn, job_id)
    if job is None:
        return Marked()
    spec, started_at = job
    if spec is None or not spec.is_complete_list:
        return Marked()
    seen = await seen_external_ids(conn, job_id)
    if seen is None:  # a page written before the ledger kept ids: we cannot know
        return Marked()
    unseen = await _unseen_live_items(conn, spec.source, seen, started_at)
    marked = Marked(item_ids=unseen)
    async with conn.cursor() as cur:
        for chunk, marks in chunks(unseen, MARK_CHUNK):
            # The guards are re-checked on the current row: an item revived or refreshed
            # by another job after our scan stays live.
            marked.count += await cur.execute(
                "UPDATE items SET deleted_at = %s, updated_at = %s, changed_in_job = %s"  # noqa: S608
                f" WHERE id IN ({marks}) AND deleted_at IS NULL AND synced_at < %s",
                (to_db(now), to_db(now), str(job_id), *chunk, started_at),
            )
    await add_deleted(conn, job_id, marked.count)
    return marked


async def _job(
    conn: aiomysql.Connection, job_id: uuid.UUID
) -> tuple[SyncSpec | None, datetime] | None:
    """The job's spec (None when it no longer parses: never mark then) and its start."""
    async with conn.cursor() as cur:
        await cur.execute(
            "SELECT source, operation, params, force_sync, started_at FROM sync_jobs WHERE id = %s",
            (str(job_id),),
        )
        row = await cur.fetchone()
    if row is None:
        return None
    source, operation, params_json, force_sync, started_at = row
    try:
        spec = SyncSpec.from_stored(
            source=source, operation=operation, params_json=params_json, force_sync=bool(force_sync)
        )
    except ValidationError:
        spec = None
    return spec, started_at


async def _unseen_live_items(
    conn: aiomysql.Connection, source: str, seen: set[str], started_at: datetime
) -> list[int]:
    """Ids of the source's live items fetched before the job started and not in ``seen``."""
    unseen: list[int] = []
    after = 0
    async with conn.cursor() as cur:
        while True:
            await cur.execute(
                "SELECT id, external_id FROM items WHERE api_source = %s AND id > %s"
                " AND deleted_at IS NULL AND synced_at < %s ORDER BY id LIMIT %s",
                (source, after, started_at, SCAN_CHUNK),
            )
            rows = await cur.fetchall()
            unseen.extend(int(item_id) for item_id, external_id in rows if external_id not in seen)
            if len(rows) < SCAN_CHUNK:
                return unseen
            after = int(rows[-1][0])
