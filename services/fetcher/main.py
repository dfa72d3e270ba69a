"""``item-sync fetcher``: consume ``itemsync:commands`` in group ``fetchers``."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from functools import partial

import aiohttp

from services.fetcher.handler import CommandFetcher
from shared.config import Settings
from shared.db.pool import db_pool
from shared.runtime.health import Heartbeat, loop_check, redis_check
from shared.redis.client import redis_client
from shared.redis.durability import redis_warnings
from shared.sources.registry import build_fetchers
from shared.streams import names
from shared.streams.groups import wait_for_groups
from shared.streams.loop import ConsumerLoop
from shared.streams.runner import group_reader, loop_max_age_s, loop_settings, pages_gate
from shared.runtime.worker_endpoint import worker_endpoint


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Fetch commands until stopped; the commands in hand are finished and acked first."""
    async with AsyncExitStack() as stack:
        redis = await stack.enter_async_context(redis_client(settings.redis))
        heartbeat = Heartbeat()
        checks = {
            "redis": redis_check(redis),
            "loop": loop_check(heartbeat, loop_max_age_s(settings)),
        }
        await stack.enter_async_context(
            worker_endpoint(settings.metrics, checks, warnings=partial(redis_warnings, redis))
        )
        session = await stack.enter_async_context(
            aiohttp.ClientSession(headers={"User-Agent": "item-sync/0.1"})
        )
        # Stored validators for conditional requests; connects lazily, and while MySQL
        # is down requests simply go out unconditionally.
        pool = await stack.enter_async_context(db_pool(settings.database))
        if not await wait_for_groups(redis, stop):
            return
        reader = group_reader(
            redis, settings, stream=names.COMMANDS, group=names.FETCHERS, role="fetcher"
        )
        gate = pages_gate(redis, settings)  # writers behind: fetch nothing new, add nothing
        fetcher = CommandFetcher(
            redis=redis,
            reader=reader,
            sources=build_fetchers(settings, session, redis, pool),
            stop=stop,
            gate=gate,
        )
        loop = ConsumerLoop(
            reader,
            fetcher.handle,
            loop_settings(settings, count=settings.fetcher.batch_size),
            heartbeat=heartbeat,
            gate=gate,
        )
        await loop.run_until(stop)
