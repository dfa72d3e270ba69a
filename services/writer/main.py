"""``item-sync writer``: consume ``itemsync:pages`` in group ``writers``."""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import AsyncExitStack
from functools import partial

from services.writer.handler import PageWriter
from shared.config import Settings
from shared.db.pool import db_pool
from shared.runtime.health import Heartbeat, loop_check, mysql_check, redis_check
from shared.recovery import Redriver
from shared.redis.client import redis_client
from shared.redis.durability import redis_warnings
from shared.sources.registry import build_planners
from shared.streams import names
from shared.streams.groups import wait_for_groups
from shared.streams.loop import ConsumerLoop
from shared.streams.runner import group_reader, loop_max_age_s, loop_settings
from shared.runtime.worker_endpoint import worker_endpoint


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Write pages until stopped; the batch in hand is committed and acked first.

    Beside the loop, the writer re-drives jobs whose work Redis lost: writers always
    run, while the scheduler may be turned off.
    """
    async with AsyncExitStack() as stack:
        redis = await stack.enter_async_context(redis_client(settings.redis))
        pool = await stack.enter_async_context(db_pool(settings.database))
        heartbeat = Heartbeat()
        checks = {
            "redis": redis_check(redis),
            "mysql": mysql_check(pool),
            "loop": loop_check(heartbeat, loop_max_age_s(settings)),
        }
        await stack.enter_async_context(
            worker_endpoint(settings.metrics, checks, warnings=partial(redis_warnings, redis))
        )
        if not await wait_for_groups(redis, stop):
            return
        reader = group_reader(
            redis, settings, stream=names.PAGES, group=names.WRITERS, role="writer"
        )
        writer = PageWriter(
            redis=redis, pool=pool, reader=reader, settings=settings.writer, stop=stop
        )
        loop = ConsumerLoop(
            reader,
            writer.handle,
            loop_settings(
                settings,
                count=settings.writer.batch_size,
                max_batch_bytes=settings.writer.batch_max_bytes,
            ),
            heartbeat=heartbeat,
        )
        redriver = Redriver(
            redis=redis,
            pool=pool,
            planners=build_planners(settings),  # re-drives a job of any source
            quiet=settings.worker.redrive_after,
        )
        redriving = asyncio.create_task(redriver.run_until(stop))
        try:
            await loop.run_until(stop)
        finally:
            redriving.cancel()  # a sweep holds nothing that must finish: its emit is atomic
            with contextlib.suppress(asyncio.CancelledError):
                await redriving
