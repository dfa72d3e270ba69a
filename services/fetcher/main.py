"""``item-sync fetcher``: consume ``itemsync:commands`` in group ``fetchers``."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import aiohttp

from services.fetcher.handler import CommandFetcher
from shared.config import Settings
from shared.redis import redis_client
from shared.sources.registry import build_sources
from shared.streams import names
from shared.streams.consumer import GroupReader, consumer_name
from shared.streams.loop import consume
from shared.streams.publisher import ensure_groups


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Fetch commands until stopped; the commands in hand are finished and acked first."""
    async with AsyncExitStack() as stack:
        redis = await stack.enter_async_context(redis_client(settings.redis))
        session = await stack.enter_async_context(
            aiohttp.ClientSession(headers={"User-Agent": "item-sync/0.1"})
        )
        await ensure_groups(redis)
        reader = GroupReader(
            redis=redis,
            stream=names.COMMANDS,
            group=names.FETCHERS,
            consumer=consumer_name("fetcher"),
            block_ms=int(settings.stream.block.total_seconds() * 1000),
        )
        fetcher = CommandFetcher(
            redis=redis, reader=reader, sources=build_sources(settings, session)
        )
        await consume(
            reader,
            fetcher.handle,
            count=settings.fetcher.batch_size,
            stop=stop,
            claim_idle_ms=int(settings.stream.claim_idle.total_seconds() * 1000),
        )
