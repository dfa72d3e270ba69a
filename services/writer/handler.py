"""The writer: decode a batch of pages, apply it in one transaction, then acknowledge."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from dataclasses import dataclass

import aiomysql
import structlog
from redis.asyncio import Redis
from structlog.contextvars import bound_contextvars

from services.writer.upsert import BatchResult, apply_batch
from shared.config import WriterSettings
from shared.db.jobs import get_job
from shared.errors import InvalidMessage
from shared.events.announce import announce_jobs
from shared.cache.item_changes import announce_changed
from shared.observability.metrics import JOB_DURATION, count_items
from shared.models.pages import PageMessage
from shared.resilience.backoff import failure_pause_s
from shared.resilience.retry import is_connection_error, lock_conflict_attempts
from shared.streams.codec import StreamEntry, decode_page
from shared.streams.consumer import GroupReader
from shared.streams.deadletter import dead_letter

log = structlog.get_logger()


class MySQLUnavailable(Exception):
    """MySQL stayed unreachable until the writer was asked to stop."""


@dataclass(frozen=True)
class PageWriter:
    """Applies pages to MySQL exactly once and acknowledges only after COMMIT."""

    redis: Redis
    pool: aiomysql.Pool
    reader: GroupReader
    settings: WriterSettings
    stop: asyncio.Event

    async def handle(self, entries: list[StreamEntry]) -> None:
        """Write one batch; a page that keeps failing is isolated so the others land."""
        messages: list[tuple[bytes, PageMessage]] = []
        for entry_id, fields in entries:
            if not fields:  # trimmed away while pending: nothing left to apply
                await self.reader.ack([entry_id])
                continue
            try:
                messages.append((entry_id, decode_page(fields)))
            except InvalidMessage as exc:
                await dead_letter(self.redis, self.reader, entry_id, fields, str(exc), deliveries=1)
                log.warning("page.dead_lettered", entry_id=entry_id.decode(), error=str(exc))
        if not messages:
            return
        with bound_contextvars(**_job_context([m for _, m in messages])):
            await self._write([m for _, m in messages], [i for i, _ in messages])

    async def _write(self, messages: list[PageMessage], entry_ids: list[bytes]) -> None:
        started = time.perf_counter()
        result = await self._apply_waiting_for_mysql(messages)
        await announce_changed(
            self.redis, result.changed_item_ids, rows_written=result.rows_written > 0
        )
        await self.reader.ack(entry_ids)
        traces = {m.envelope.job_id: m.envelope.trace_id for m in messages}
        sources = {m.envelope.job_id: m.envelope.source for m in messages}
        for job_id, tally in result.tallies.items():
            count_items(
                sources[job_id],
                pages=tally.pages,
                created=tally.created,
                updated=tally.updated,
                unchanged=tally.unchanged,
                failed=tally.failed,
            )
            log.info(
                "pages.written",
                job_id=str(job_id),
                trace_id=traces.get(job_id),
                pages=tally.pages,
                created=tally.created,
                updated=tally.updated,
                unchanged=tally.unchanged,
                failed=tally.failed,
                deleted=tally.deleted,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )
        for job_id, status in result.finished_jobs.items():
            log.info("job.finished", job_id=str(job_id), trace_id=traces.get(job_id), status=status)
            await self._observe_duration(job_id, sources[job_id], status)
        # After the ack: live screens and alerts learn of committed counters only.
        await announce_jobs(
            self.redis, self.pool, result.tallies, finished=set(result.finished_jobs)
        )
        if result.duplicate_pages or result.orphan_pages:
            log.info(
                "pages.skipped", duplicates=result.duplicate_pages, orphans=result.orphan_pages
            )

    async def _observe_duration(self, job_id: uuid.UUID, source: str, status: str) -> None:
        # After the ack: a failed read costs one histogram sample, never a redelivery.
        try:
            job = await get_job(self.pool, job_id)
        except Exception as exc:
            log.warning("job.duration_unknown", error=f"{type(exc).__name__}: {exc}")
            return
        if job is not None and job.finished_at is not None:
            seconds = (job.finished_at - job.started_at).total_seconds()
            JOB_DURATION.labels(source, status).observe(max(seconds, 0.0))

    async def _apply_waiting_for_mysql(self, messages: list[PageMessage]) -> BatchResult:
        """Apply the batch; while MySQL is unreachable wait and retry, acknowledging nothing."""
        failures = 0
        while True:
            try:
                async for attempt in lock_conflict_attempts():
                    with attempt:
                        async with self.pool.acquire() as conn:
                            return await apply_batch(
                                conn,
                                messages,
                                max_statement_bytes=self.settings.max_statement_bytes,
                            )
            except Exception as exc:
                if not is_connection_error(exc):
                    raise
                failures += 1
                if self.stop.is_set():
                    raise MySQLUnavailable(str(exc)) from exc
                pause = failure_pause_s(failures)
                log.warning(
                    "mysql.unavailable",
                    error=f"{type(exc).__name__}: {exc}",
                    failures=failures,
                    pause_s=round(pause, 2),
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop.wait(), timeout=pause)


def _job_context(messages: list[PageMessage]) -> dict[str, str]:
    """``job_id`` and ``trace_id`` for log lines of a batch that belongs to one job."""
    envelopes = {m.envelope.job_id: m.envelope for m in messages}
    if len(envelopes) != 1:
        return {}  # a mixed batch: each per-job line names its own job
    (envelope,) = envelopes.values()
    return {"job_id": str(envelope.job_id), "trace_id": envelope.trace_id}
