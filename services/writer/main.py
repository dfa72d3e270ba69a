"""``item-sync writer``: consume ``itemsync:pages`` in group ``writers``."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

from services.writer.handler import PageWriter
from shared.config import Settings
from shared.db.pool import db_pool
from shared.redis import redis_client
from shared.streams import names
from shared.streams.consumer import GroupReader, consumer_name
from shared.streams.loop import consume
from shared.streams.publisher import ensure_groups


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Write pages until stopped; the batch in hand is committed and acked first."""
    async with AsyncExitStack() as stack:
        redis = await stack.enter_async_context(redis_client(settings.redis))
        pool = await stack.enter_async_context(db_pool(settings.database))
        await ensure_groups(redis)
        reader = GroupReader(
            redis=redis,
            stream=names.PAGES,
            group=names.WRITERS,
            consumer=consumer_name("writer"),
            block_ms=int(settings.stream.block.total_seconds() * 1000),
        )
        writer = PageWriter(redis=redis, pool=pool, reader=reader, settings=settings.writer)
        await consume(
            reader,
            writer.handle,
            count=settings.writer.batch_size,
            stop=stop,
            claim_idle_ms=int(settings.stream.claim_idle.total_seconds() * 1000),
        )
