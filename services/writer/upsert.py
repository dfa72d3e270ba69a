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

from services.writer.deletions import mark_unseen_deleted
from services.writer.not_modified import (
    StoredValidators,
    count_not_modified,
    not_modified_keys,
    record_signals,
)
from services.writer.tally import BatchResult, JobTally, fail_jobs, record_failures, update_job
from shared.clock import utc_now
from shared.db.item_counts import CountDeltas, add_item_counts
from shared.db.jobs import force_flags
from shared.db.ledger import record_pages
from shared.db.literals import multi_row_statements, session_escapes
from shared.db.times import from_db, to_db
from shared.models.jobs import JobStatus
from shared.models.pages import FetchedItem, PageMessage

_UPSERT_HEAD = (
    "INSERT INTO items (api_source, external_id, name, payload, content_hash,"
    " created_at, updated_at, synced_at, etag, last_modified, changed_in_job)"
)
_UPSERT_TAIL = (
    "ON DUPLICATE KEY UPDATE name = VALUES(name), payload = VALUES(payload),"
    " content_hash = VALUES(content_hash), updated_at = VALUES(updated_at),"
    " synced_at = VALUES(synced_at), deleted_at = NULL, etag = VALUES(etag),"
    " last_modified = VALUES(last_modified), changed_in_job = VALUES(changed_in_job)"
)
__all__ = ["BatchResult", "JobTally", "apply_batch"]  # the tally types, where callers look
_SELECT_CHUNK = 500  # keys per SELECT ... IN (...)


@dataclass(frozen=True)
class _Stored(StoredValidators):
    content_hash: str = ""


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
    force = await force_flags(conn, {message.envelope.job_id for message in pages})
    fresh = await _claim_pages(conn, pages, force, result, now)
    result.finished_jobs.update(await fail_jobs(conn, fresh, now))
    counts = CountDeltas()
    plan = await _decide(conn, fresh, force, result, counts, now)
    plan.rows.sort(key=lambda row: (row[0], row[1]))  # key order keeps gap locks from deadlocking
    result.rows_written = len(plan.rows)
    await _upsert(conn, plan.rows, max_statement_bytes)
    await _refresh_validators(conn, plan.refreshed)
    await count_not_modified(conn, fresh, plan.locked, plan.decided, result, now)
    signal_ended = await record_signals(conn, fresh)  # jobs that swept nothing delete nothing
    for job_id, live in signal_ended.items():
        result.tallies[job_id].unchanged += live
    for message in fresh:
        await record_failures(conn, message, now)
    job_sources = {message.envelope.job_id: message.envelope.source for message in fresh}
    for job_id in sorted(result.tallies, key=str):
        status = await update_job(conn, job_id, result.tallies[job_id], now)
        if status is not None:
            result.finished_jobs[job_id] = status
        if status is JobStatus.SUCCEEDED and job_id not in signal_ended:
            marked = await mark_unseen_deleted(conn, job_id, now)
            result.tallies[job_id].deleted = marked.count
            result.changed_item_ids.extend(marked.item_ids)
            counts.marked_deleted(job_sources[job_id], marked.count)
            result.rows_written += marked.count
    await add_item_counts(conn, counts)  # last: the count rows stay locked only briefly
    return result


@dataclass
class _Plan:
    """What the batch writes, decided under the row locks of its keys."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    refreshed: list[tuple[Any, ...]] = field(default_factory=list)
    locked: dict[str, dict[str, StoredValidators]] = field(default_factory=dict)
    decided: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


async def _decide(
    conn: aiomysql.Connection,
    fresh: list[PageMessage],
    force: dict[uuid.UUID, bool],
    result: BatchResult,
    counts: CountDeltas,
    now: datetime,
) -> _Plan:
    """Lock the rows of every item the pages name (sorted); count each outcome on its job
    and its source."""
    plan = _Plan()
    candidates_by_source = _candidates(fresh)
    unmodified = not_modified_keys(fresh)
    for source in sorted(set(candidates_by_source) | set(unmodified)):
        candidates = candidates_by_source.get(source, [])
        keys = sorted({c.item.external_id for c in candidates} | unmodified.get(source, set()))
        stored = await _lock_existing(conn, source, keys)
        plan.locked[source] = dict(stored)
        decided = plan.decided[source]
        for candidate in candidates:
            key = candidate.item.external_id
            tally = result.tallies[candidate.job_id]
            if key in decided:  # the same item twice in one batch: the first one counts
                tally.unchanged += 1
                continue
            decided.add(key)
            before = stored.get(key)
            if _should_write(candidate, before, force[candidate.job_id], tally):
                plan.rows.append(_row(candidate, now))
                if before is None:
                    counts.created(source)
                else:
                    result.changed_item_ids.append(before.item_id)
                    if before.deleted:
                        counts.revived(source)
            elif before is not None and _new_validators(candidate, before):
                item = candidate.item
                plan.refreshed.append((item.etag, item.last_modified, before.item_id))
    return plan


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
    fresh = await record_pages(conn, known, now)
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


def _new_validators(candidate: _Candidate, before: _Stored) -> bool:
    """An unchanged item whose answer came with other validators: keep the new ones."""
    item = candidate.item
    if candidate.fetched_at < before.synced_at or (
        item.etag is None and item.last_modified is None
    ):
        return False
    return (item.etag, item.last_modified) != (before.etag, before.last_modified)


async def _refresh_validators(conn: aiomysql.Connection, rows: list[tuple[Any, ...]]) -> None:
    if rows:
        async with conn.cursor() as cur:
            await cur.executemany(
                "UPDATE items SET etag = %s, last_modified = %s WHERE id = %s",
                sorted(rows, key=lambda row: row[2]),
            )


async def _lock_existing(
    conn: aiomysql.Connection, source: str, keys: list[str]
) -> dict[str, _Stored]:
    stored: dict[str, _Stored] = {}
    async with conn.cursor() as cur:
        for start in range(0, len(keys), _SELECT_CHUNK):
            chunk = keys[start : start + _SELECT_CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            await cur.execute(
                "SELECT external_id, id, content_hash, synced_at, deleted_at, etag,"  # noqa: S608
                " last_modified FROM items"
                f" WHERE api_source = %s AND external_id IN ({marks})"
                " ORDER BY external_id FOR UPDATE",
                [source, *chunk],
            )
            for (
                external_id,
                item_id,
                hash_,
                synced_at,
                deleted_at,
                etag,
                modified,
            ) in await cur.fetchall():
                stored[external_id] = _Stored(
                    item_id=int(item_id),
                    content_hash=hash_,
                    synced_at=from_db(synced_at) or synced_at,
                    deleted=deleted_at is not None,
                    etag=etag,
                    last_modified=modified,
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
        candidate.item.etag,
        candidate.item.last_modified,
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
