"""``item-sync scheduler``: open a sync job per source every ``WORKER_SYNC_INTERVAL``."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from functools import partial

import structlog

from services.scheduler.loop import Scheduler
from shared.config import Settings
from shared.db.pool import db_pool
from shared.redis.client import redis_client
from shared.redis.durability import redis_warnings
from shared.runtime.health import mysql_check, redis_check
from shared.runtime.worker_endpoint import worker_endpoint
from shared.sources.registry import enabled_planners
from shared.streams.groups import wait_for_groups

log = structlog.get_logger()


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Schedule until stopped; with ``WORKER_ENABLED=false`` just wait for the stop."""
    if not settings.worker.enabled:
        log.info("scheduler.disabled")
        async with worker_endpoint(settings.metrics, {}):
            await stop.wait()
        return
    async with AsyncExitStack() as stack:
        redis = await stack.enter_async_context(redis_client(settings.redis))
        pool = await stack.enter_async_context(db_pool(settings.database))
        checks = {"redis": redis_check(redis), "mysql": mysql_check(pool)}
        await stack.enter_async_context(
            worker_endpoint(settings.metrics, checks, warnings=partial(redis_warnings, redis))
        )
        if not await wait_for_groups(redis, stop):
            return
        scheduler = Scheduler(
            redis=redis,
            pool=pool,
            planners=list(enabled_planners(settings).values()),
            interval_s=settings.worker.sync_interval.total_seconds(),
            job_timeout_s=settings.worker.job_timeout.total_seconds(),
            list_answer_retention=settings.source.list_answer_retention,
        )
        await scheduler.run_until(stop)
