"""Apply a batch of pages in one MySQL transaction, exactly once per page.

The ledger drops pages applied before; pages with a job error fail their job; the
item diff (``diff.py``) decides under the row locks which items to write; 304s and
change signals are applied; then each job's counters move on, which may close it,
and a complete sync that succeeded marks the items it did not see. Per-row outcomes
come from a SELECT of the batch's keys (FOR UPDATE, sorted), not from the multi-row
statement's affected-rows sum, so counters stay exact. The SQL is in ``shared/db``.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import aiomysql

from services.writer.deletions import mark_unseen_deleted
from services.writer.diff import plan_writes
from services.writer.not_modified import count_not_modified, record_signals
from services.writer.tally import BatchResult, JobTally, fail_jobs, update_job
from shared.db.cursors import job_is_incremental, keep_source_cursor, raise_job_cursor
from shared.db.item_counts import CountDeltas, add_item_counts
from shared.db.item_errors import record_item_errors
from shared.db.item_writes import refresh_validators, upsert_items
from shared.db.jobs import force_flags
from shared.db.ledger import record_pages
from shared.models.jobs import JobStatus
from shared.models.pages import PageMessage
from shared.sources.declared.incremental import later_cursor
from shared.values.clock import utc_now

__all__ = ["BatchResult", "JobTally", "apply_batch"]  # the tally types, where callers look


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
    plan = await plan_writes(conn, fresh, force, result, counts)
    result.rows_written = await upsert_items(conn, plan.writes, now, max_bytes=max_statement_bytes)
    await refresh_validators(conn, plan.refreshed)
    await count_not_modified(conn, fresh, plan.locked, plan.decided, result, now)
    signal_ended = await record_signals(conn, fresh)  # jobs that swept nothing delete nothing
    for job_id, live in signal_ended.items():
        result.tallies[job_id].unchanged += live
    for message in fresh:
        await record_item_errors(conn, message.envelope.job_id, message.page.failed, now)
    await _raise_cursors(conn, fresh)
    job_sources = {message.envelope.job_id: message.envelope.source for message in fresh}
    for job_id in sorted(result.tallies, key=str):
        status = await update_job(conn, job_id, result.tallies[job_id], now)
        if status is not None:
            result.finished_jobs[job_id] = status
        if status is JobStatus.SUCCEEDED:
            await keep_source_cursor(conn, job_id, now)
        # An incremental job saw changed records only: what it did not see still exists.
        if (
            status is JobStatus.SUCCEEDED
            and job_id not in signal_ended
            and not await job_is_incremental(conn, job_id)
        ):
            marked = await mark_unseen_deleted(conn, job_id, now)
            result.tallies[job_id].deleted = marked.count
            result.changed_item_ids.extend(marked.item_ids)
            counts.marked_deleted(job_sources[job_id], marked.count)
            result.rows_written += marked.count
    await add_item_counts(conn, counts)  # last: the count rows stay locked only briefly
    return result


async def _raise_cursors(conn: aiomysql.Connection, pages: list[PageMessage]) -> None:
    """Raise each incremental job's cursor by its pages', one job at a time in id order."""
    jobs: dict[uuid.UUID, tuple[str | None, bool]] = {}
    for message in pages:
        page = message.page
        if page.cursor is None and not page.incremental:
            continue
        cursor, incremental = jobs.get(message.envelope.job_id, (None, False))
        jobs[message.envelope.job_id] = (
            later_cursor(cursor, page.cursor),
            incremental or page.incremental,
        )
    for job_id in sorted(jobs, key=str):
        cursor, incremental = jobs[job_id]
        await raise_job_cursor(conn, job_id, cursor, incremental=incremental)


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
        tally.pages_added += message.page.pages_added
        tally.walks_ended += message.page.walk_ended
        if message.page.pages_total is not None:
            tally.pages_total = message.page.pages_total
    return fresh
