"""The Redis cache in front of ``GET /items/{id}``.

Writers overwrite a changed item's slot with an empty marker for a few seconds;
readers only fill slots that are empty, so a read that raced a write never
puts the old row back.

A miss is answered as soon as MySQL has: the fill goes to ``CacheFiller``, which
sends the waiting fills in one pipeline, off the request path. A fill is sent at most
``FILL_MAX_AGE_S`` after its MySQL read began, half a writer's marker: a write that
committed after the read marked the slot after it too, so the fill meets the marker
(or is overwritten by it) and the old row stays out.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.cache.item_changes import STALE_MARK_MS
from shared.streams import names

log = structlog.get_logger()

FILL_MAX_AGE_S = STALE_MARK_MS / 1000 / 2  # 2.5 s: as much again to spare inside a marker
FILL_QUEUE_MAX = 4096  # fills waiting at most; past it a fill is skipped (the next miss refills)
FILL_BATCH_MAX = 256  # fills per pipeline


async def cached_items(redis: Redis, item_ids: list[int]) -> dict[int, bytes]:
    """What the slots of ``item_ids`` hold, for those that hold anything, in one ``MGET``.

    ``b""`` is a writer's marker: serve from MySQL and never fill. A slot Redis answers
    nil for is empty, or holds another type (``MGET`` says nil there, not WRONGTYPE): a
    fill's ``SET NX`` leaves such a key as it is.
    """
    values = await redis.mget([names.item_cache_key(item_id) for item_id in item_ids])
    return {
        item_id: value
        for item_id, value in zip(item_ids, values, strict=True)
        if isinstance(value, bytes)
    }


@dataclass(eq=False)
class CacheFiller:
    """Fills of empty slots, sent in the background in pipelines of ``SET NX PX``."""

    redis: Redis
    ttl_ms: int
    max_queued: int = FILL_QUEUE_MAX
    max_age_s: float = FILL_MAX_AGE_S
    filled: int = 0  # slots this filler set
    refused: int = 0  # fills Redis refused: the slot was marked or taken, or memory was full
    skipped: int = 0  # fills not sent: the queue was full, or they waited too long
    _waiting: deque[tuple[int, bytes, float]] = field(default_factory=deque)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, item_id: int, body: bytes, read_started: float) -> None:
        """Queue a fill of an answer whose read began at ``read_started`` (monotonic)."""
        if len(self._waiting) >= self.max_queued:
            self.skipped += 1
            return
        self._waiting.append((item_id, body, read_started))
        self._wake.set()

    async def run(self) -> None:
        """Send queued fills until cancelled; a Redis error costs only that batch."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._waiting:
                batch = [
                    self._waiting.popleft() for _ in range(min(FILL_BATCH_MAX, len(self._waiting)))
                ]
                try:
                    await self.fill(batch)
                except (RedisError, OSError) as exc:
                    self.skipped += len(batch)
                    log.warning("item_cache.fill_failed", error=f"{type(exc).__name__}: {exc}")

    async def fill(self, batch: list[tuple[int, bytes, float]]) -> int:
        """Fill these empty slots now, in one pipeline, skipping fills that waited too long;
        how many were set.

        A Redis at ``maxmemory`` with ``noeviction`` refuses the writes: the answers were
        served all the same, just not cached, and the queued entries keep the memory.
        """
        oldest = time.monotonic() - self.max_age_s
        fresh = [(item_id, body) for item_id, body, started in batch if started > oldest]
        self.skipped += len(batch) - len(fresh)
        if not fresh:
            return 0
        async with self.redis.pipeline(transaction=False) as pipe:
            for item_id, body in fresh:
                pipe.set(names.item_cache_key(item_id), body, nx=True, px=self.ttl_ms)
            answers = await pipe.execute(raise_on_error=False)  # an OOM refusal is an answer
        filled = sum(answer is True for answer in answers)
        self.filled += filled
        self.refused += len(fresh) - filled
        return filled
