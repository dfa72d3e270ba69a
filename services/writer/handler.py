"""The writer: decode a batch of pages, apply it in one transaction, then acknowledge."""

from __future__ import annotations

import time
from dataclasses import dataclass

import aiomysql
import structlog
from redis.asyncio import Redis

from services.writer.upsert import apply_batch
from shared.config import WriterSettings
from shared.errors import InvalidMessage
from shared.models.pages import PageMessage
from shared.resilience.retry import lock_conflict_attempts
from shared.streams import names
from shared.streams.codec import StreamEntry, decode_page
from shared.streams.consumer import GroupReader
from shared.streams.deadletter import dead_letter

log = structlog.get_logger()

STALE_MARK_MS = 5000  # how long a changed item's cache slot refuses to be refilled


@dataclass(frozen=True)
class PageWriter:
    """Applies pages to MySQL exactly once and acknowledges only after COMMIT."""

    redis: Redis
    pool: aiomysql.Pool
    reader: GroupReader
    settings: WriterSettings

    async def handle(self, entries: list[StreamEntry]) -> None:
        """Write one batch: undecodable entries are dead-lettered, the rest committed, all acked."""
        started = time.perf_counter()
        messages: list[PageMessage] = []
        entry_ids: list[bytes] = []
        for entry_id, fields in entries:
            if not fields:  # trimmed away while pending: nothing left to apply
                await self.reader.ack([entry_id])
                continue
            try:
                messages.append(decode_page(fields))
                entry_ids.append(entry_id)
            except InvalidMessage as exc:
                await dead_letter(self.redis, self.reader, entry_id, fields, str(exc), deliveries=1)
        if not messages:
            return
        async for attempt in lock_conflict_attempts():
            with attempt:
                async with self.pool.acquire() as conn:
                    result = await apply_batch(
                        conn, messages, max_statement_bytes=self.settings.max_statement_bytes
                    )
        await self._mark_changed(result.changed_item_ids)
        await self.reader.ack(entry_ids)
        for job_id, tally in result.tallies.items():
            log.info(
                "pages.written",
                job_id=str(job_id),
                pages=tally.pages,
                created=tally.created,
                updated=tally.updated,
                unchanged=tally.unchanged,
                failed=tally.failed,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )
        for job_id, status in result.finished_jobs.items():
            log.info("job.finished", job_id=str(job_id), status=status)
        if result.duplicate_pages or result.orphan_pages:
            log.info(
                "pages.skipped", duplicates=result.duplicate_pages, orphans=result.orphan_pages
            )

    async def _mark_changed(self, item_ids: list[int]) -> None:
        # A short-lived marker instead of DEL: a reader that loaded the old row before
        # our COMMIT cannot put it back into the cache (it only fills empty slots).
        if not item_ids:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for item_id in item_ids:
                pipe.set(names.item_cache_key(item_id), b"", px=STALE_MARK_MS)
            await pipe.execute()
