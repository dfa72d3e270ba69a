"""Apply a batch of pages in one MySQL transaction, exactly once per page.

Per-row outcomes come from a SELECT of the batch's keys (FOR UPDATE, sorted), not
from the multi-row statement's affected-rows sum, so counters stay exact.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiomysql
import orjson

from services.writer.deletions import mark_unseen_deleted
from services.writer.job_errors import fail_jobs
from shared.clock import utc_now
from shared.db.item_counts import CountDeltas, add_item_counts
from shared.db.literals import multi_row_statements, session_escapes
from shared.db.times import from_db, to_db
from shared.models.pages import FetchedItem, PageMessage

_UPSERT_HEAD = (
    "INSERT INTO items (api_source, external_id, name, payload, content_hash,"
    " created_at, updated_at, synced_at, changed_in_job)"
)
_UPSERT_TAIL = (
    "ON DUPLICATE KEY UPDATE name = VALUES(name), payload = VALUES(payload),"
    " content_hash = VALUES(content_hash), updated_at = VALUES(updated_at),"
    " synced_at = VALUES(synced_at), deleted_at = NULL, changed_in_job = VALUES(changed_in_job)"
)
_SELECT_CHUNK = 500  # keys per SELECT ... IN (...)


@dataclass
class JobTally:
    """What one batch did to one job's counters."""

    pages: int = 0
    pages_total: int | None = None
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    deleted: int = 0  # live items the closing of a complete sync marked deleted

    @property
    def seen(self) -> int:
        """Every item the pages named, fetched or failed."""
        return self.created + self.updated + self.unchanged + self.failed


@dataclass
class BatchResult:
    """The outcome of one committed batch."""

    tallies: dict[uuid.UUID, JobTally] = field(default_factory=dict)
    duplicate_pages: int = 0
    orphan_pages: int = 0
    changed_item_ids: list[int] = field(default_factory=list)
    rows_written: int = 0  # created, changed and marked deleted: cached item lists are stale
    finished_jobs: dict[uuid.UUID, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Stored:
    item_id: int
    content_hash: str
    synced_at: datetime
    deleted: bool


@dataclass(frozen=True)
class _Candidate:
    job_id: uuid.UUID
    source: str
    item: FetchedItem
    fetched_at: datetime


async def apply_batch(
    conn: aiomysql.Connection, pages: list[PageMessage], *, max_statement_bytes: int
) -> BatchResult:
    """Apply every page not applied before, then COMMIT; roll back on any error."""
    try:
        result = await _apply(conn, pages, max_statement_bytes)
        await conn.commit()
        return result
    except BaseException:
        await conn.rollback()
        raise


async def _apply(
    conn: aiomysql.Connection, pages: list[PageMessage], max_statement_bytes: int
) -> BatchResult:
    result = BatchResult()
    now = utc_now()
    force = await _force_flags(conn, {message.envelope.job_id for message in pages})
    fresh = await _claim_pages(conn, pages, force, result, now)
    result.finished_jobs.update(await fail_jobs(conn, fresh, now))
    counts = CountDeltas()
    rows = await _decide_rows(conn, fresh, force, result, counts, now)
    rows.sort(key=lambda row: (row[0], row[1]))  # key order keeps gap locks from deadlocking
    result.rows_written = len(rows)
    await _upsert(conn, rows, max_statement_bytes)
    for message in fresh:
        await _record_failures(conn, message, now)
    job_sources = {message.envelope.job_id: message.envelope.source for message in fresh}
    for job_id in sorted(result.tallies, key=str):
        status = await _update_job(conn, job_id, result.tallies[job_id], now)
        if status is not None:
            result.finished_jobs[job_id] = status
        if status == "succeeded":
            marked = await mark_unseen_deleted(conn, job_id, now)
            result.tallies[job_id].deleted = marked.count
            result.changed_item_ids.extend(marked.item_ids)
            counts.marked_deleted(job_sources[job_id], marked.count)
            result.rows_written += marked.count
    await add_item_counts(conn, counts)  # last: the count rows stay locked only briefly
    return result


async def _decide_rows(
    conn: aiomysql.Connection,
    fresh: list[PageMessage],
    force: dict[uuid.UUID, bool],
    result: BatchResult,
    counts: CountDeltas,
    now: datetime,
) -> list[tuple[Any, ...]]:
    """The rows to write, with each item's outcome counted on its job and its source."""
    rows: list[tuple[Any, ...]] = []
    for source, candidates in sorted(_candidates(fresh).items()):
        keys = sorted({c.item.external_id for c in candidates})
        stored = await _lock_existing(conn, source, keys)
        decided: set[str] = set()
        for candidate in candidates:
            key = candidate.item.external_id
            tally = result.tallies[candidate.job_id]
            if key in decided:  # the same item twice in one batch: the first one counts
                tally.unchanged += 1
                continue
            decided.add(key)
            before = stored.get(key)
            if _should_write(candidate, before, force[candidate.job_id], tally):
                rows.append(_row(candidate, now))
                if before is None:
                    counts.created(source)
                else:
                    result.changed_item_ids.append(before.item_id)
                    if before.deleted:
                        counts.revived(source)
    return rows


async def _claim_pages(
    conn: aiomysql.Connection,
    pages: list[PageMessage],
    force: dict[uuid.UUID, bool],
    result: BatchResult,
    now: datetime,
) -> list[PageMessage]:
    """Pages this batch applies: known job, not in the ledger yet (now recorded there)."""
    known: list[PageMessage] = []
    for message in pages:
        if message.envelope.job_id in force:
            known.append(message)
        else:
            result.orphan_pages += 1
    fresh = await _record_pages(conn, known, now)
    result.duplicate_pages += len(known) - len(fresh)
    for message in fresh:
        tally = result.tallies.setdefault(message.envelope.job_id, JobTally())
        tally.pages += 1
        tally.failed += len(message.page.failed)
        if message.page.pages_total is not None:
            tally.pages_total = message.page.pages_total
    return fresh


def _candidates(pages: list[PageMessage]) -> dict[str, list[_Candidate]]:
    by_source: dict[str, list[_Candidate]] = defaultdict(list)
    for message in pages:
        for item in message.page.items:
            # The fetcher hashed the payload: its text is stored as received, never parsed here.
            by_source[message.envelope.source].append(
                _Candidate(
                    job_id=message.envelope.job_id,
                    source=message.envelope.source,
                    item=item,
                    fetched_at=message.page.fetched_at,
                )
            )
    return by_source


def _should_write(
    candidate: _Candidate, before: _Stored | None, force: bool, tally: JobTally
) -> bool:
    """Count the item's outcome; True when its row must be written."""
    if before is None:
        tally.created += 1
        return True
    if candidate.fetched_at < before.synced_at:
        tally.unchanged += 1  # a late redelivery of an older fetch never overwrites newer data
        return False
    if before.content_hash == candidate.item.content_hash and not before.deleted and not force:
        tally.unchanged += 1
        return False
    tally.updated += 1
    return True


async def _force_flags(conn: aiomysql.Connection, job_ids: set[uuid.UUID]) -> dict[uuid.UUID, bool]:
    if not job_ids:
        return {}
    marks = ", ".join(["%s"] * len(job_ids))
    async with conn.cursor() as cur:
        await cur.execute(
            f"SELECT id, force_sync FROM sync_jobs WHERE id IN ({marks})",  # noqa: S608 - placeholders
            [str(job_id) for job_id in job_ids],
        )
        return {uuid.UUID(row[0]): bool(row[1]) for row in await cur.fetchall()}


_LEDGER_INSERT = (
    # A no-op update on a duplicate reports 0 rows, without INSERT IGNORE's warning.
    "INSERT INTO sync_job_pages (job_id, page_key, items, failed, external_ids, written_at)"
    " VALUES (%s, %s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE job_id = job_id"
)


async def _record_pages(
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
        len(message.page.items),
        len(message.page.failed),
        _page_ids_json(message),
        to_db(now),
    )


def _page_ids_json(message: PageMessage) -> str:
    """The external ids a page named, fetched or failed: what a complete sync saw."""
    ids = [item.external_id for item in message.page.items]
    ids.extend(failure.external_id for failure in message.page.failed)
    return orjson.dumps(ids).decode()


async def _lock_existing(
    conn: aiomysql.Connection, source: str, keys: list[str]
) -> dict[str, _Stored]:
    stored: dict[str, _Stored] = {}
    async with conn.cursor() as cur:
        for start in range(0, len(keys), _SELECT_CHUNK):
            chunk = keys[start : start + _SELECT_CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            await cur.execute(
                "SELECT external_id, id, content_hash, synced_at, deleted_at FROM items"  # noqa: S608
                f" WHERE api_source = %s AND external_id IN ({marks})"
                " ORDER BY external_id FOR UPDATE",
                [source, *chunk],
            )
            for external_id, item_id, hash_, synced_at, deleted_at in await cur.fetchall():
                stored[external_id] = _Stored(
                    item_id=int(item_id),
                    content_hash=hash_,
                    synced_at=from_db(synced_at) or synced_at,
                    deleted=deleted_at is not None,
                )
    return stored


def _row(candidate: _Candidate, now: datetime) -> tuple[Any, ...]:
    return (
        candidate.source,
        candidate.item.external_id,
        candidate.item.name[:255],
        candidate.item.payload,
        candidate.item.content_hash,
        to_db(now),
        to_db(now),
        to_db(candidate.fetched_at),
        str(candidate.job_id),
    )


async def _upsert(
    conn: aiomysql.Connection, rows: list[tuple[Any, ...]], max_statement_bytes: int
) -> None:
    if not rows:
        return
    # Statements no longer than max_statement_bytes stay under max_allowed_packet even
    # with 1.5 MB payloads; the literals are escaped by shared/db/literals.py (faster).
    statements = multi_row_statements(
        _UPSERT_HEAD,
        rows,
        _UPSERT_TAIL,
        max_bytes=max_statement_bytes,
        no_backslash_escapes=session_escapes(conn),
    )
    async with conn.cursor() as cur:
        for statement in statements:
            await cur.execute(statement)


async def _record_failures(conn: aiomysql.Connection, message: PageMessage, now: datetime) -> None:
    if not message.page.failed:
        return
    job_id = str(message.envelope.job_id)
    async with conn.cursor() as cur:
        await cur.executemany(
            "INSERT INTO sync_job_errors (job_id, external_id, error, attempts, recorded_at)"
            " VALUES (%s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE error = VALUES(error),"
            " attempts = attempts + VALUES(attempts), recorded_at = VALUES(recorded_at)",
            [
                (job_id, failure.external_id, failure.error[:1000], failure.attempts, to_db(now))
                for failure in message.page.failed
            ],
        )


async def _update_job(
    conn: aiomysql.Connection, job_id: uuid.UUID, tally: JobTally, now: datetime
) -> str | None:
    """Add the tally to the job's counters; close it when its last page landed."""
    async with conn.cursor() as cur:
        await cur.execute(
            "UPDATE sync_jobs SET pages_done = pages_done + %s,"
            " pages_total = COALESCE(%s, pages_total),"
            " items_seen = items_seen + %s, items_created = items_created + %s,"
            " items_updated = items_updated + %s, items_unchanged = items_unchanged + %s,"
            " items_failed = items_failed + %s,"
            " status = IF(status = 'pending', 'running', status) WHERE id = %s",
            (
                tally.pages,
                tally.pages_total,
                tally.seen,
                tally.created,
                tally.updated,
                tally.unchanged,
                tally.failed,
                str(job_id),
            ),
        )
        await cur.execute(
            "SELECT status, pages_total, pages_done, items_failed FROM sync_jobs WHERE id = %s",
            (str(job_id),),
        )
        status, pages_total, pages_done, items_failed = await cur.fetchone()
        if status != "running" or pages_total is None or pages_done < pages_total:
            return None
        final = "partial" if items_failed else "succeeded"
        await cur.execute(
            "UPDATE sync_jobs SET status = %s, finished_at = %s, active_key = NULL WHERE id = %s",
            (final, to_db(now), str(job_id)),
        )
    return final
