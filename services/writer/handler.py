"""The writer: apply a batch of pages in one transaction; the loop acknowledges it after."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from functools import partial

import aiomysql
import structlog
from redis.asyncio import Redis

from services.writer.upsert import BatchResult, apply_batch
from shared.cache.item_changes import announce_changed
from shared.config import WriterSettings
from shared.db.jobs import get_job
from shared.events.announce import announce_jobs
from shared.models.pages import PageMessage
from shared.observability.metrics import JOB_DURATION, count_items
from shared.resilience.backoff import retry_until_stopped
from shared.resilience.retry import is_connection_error, lock_conflict_attempts
from shared.streams.handler import Handled

log = structlog.get_logger()


@dataclass(frozen=True)
class PageWriter:
    """Applies pages to MySQL exactly once; the loop acknowledges them only after COMMIT."""

    redis: Redis
    pool: aiomysql.Pool
    settings: WriterSettings
    stop: asyncio.Event

    async def write(self, messages: list[PageMessage]) -> Handled:
        """Apply one batch in one transaction and tell readers which items changed."""
        started = time.perf_counter()
        result = await self._apply_waiting_for_mysql(messages)
        await announce_changed(
            self.redis, result.changed_item_ids, rows_written=result.rows_written > 0
        )
        return Handled(after_ack=partial(self._report, messages, result, started))

    async def _report(
        self, messages: list[PageMessage], result: BatchResult, started: float
    ) -> None:
        """After the ack: metrics, logs, and events; a failure here never redelivers a page."""
        traces = {m.envelope.job_id: m.envelope.trace_id for m in messages}
        sources = {m.envelope.job_id: m.envelope.source for m in messages}
        for job_id, tally in result.tallies.items():
            count_items(sources[job_id], **tally.counts())
            log.info(
                "pages.written",
                job_id=str(job_id),
                trace_id=traces.get(job_id),
                **tally.counts(),
                deleted=tally.deleted,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )
        for job_id, status in result.finished_jobs.items():
            log.info("job.finished", job_id=str(job_id), trace_id=traces.get(job_id), status=status)
            await self._observe_duration(job_id, sources[job_id], status)
        # Live screens and alerts learn of committed counters only.
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
        return await retry_until_stopped(
            lambda: self._apply(messages),
            stop=self.stop,
            retry_if=is_connection_error,
            event="mysql.unavailable",
        )

    async def _apply(self, messages: list[PageMessage]) -> BatchResult:
        async for attempt in lock_conflict_attempts():
            with attempt:
                async with self.pool.acquire() as conn:
                    return await apply_batch(
                        conn, messages, max_statement_bytes=self.settings.max_statement_bytes
                    )
        raise AssertionError("unreachable: the last attempt re-raises")  # for mypy
