"""Writers' change announcements reach the API's in-memory copy over real Redis pub/sub."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from services.api.local_cache import LocalItemCache, follow_item_changes
from shared.cache.item_changes import announce_changed
from shared.streams import names
from tests.e2e.waiting import wait_until_async


@pytest.fixture
async def followed(redis: Redis) -> AsyncIterator[LocalItemCache]:
    """A cache kept subscribed by ``follow_item_changes`` until the test ends."""
    cache = LocalItemCache(max_bytes=1 << 20, ttl_s=60)
    stop = asyncio.Event()
    task = asyncio.create_task(follow_item_changes(redis, cache, stop))
    await wait_until_async(lambda: cache._live)
    yield cache
    stop.set()
    await task


async def test_an_announced_change_drops_the_kept_answer(
    redis: Redis, followed: LocalItemCache
) -> None:
    """After a writer announces an item, the API no longer serves its kept answer."""
    followed.put(41, b"old", followed.epoch)
    followed.put(42, b"other", followed.epoch)
    await announce_changed(redis, [41])
    await wait_until_async(lambda: followed.get(41) is None)
    assert followed.get(42) == b"other"
    assert await redis.get(names.item_cache_key(41)) == b""  # the Redis slot is marked too


async def test_a_killed_subscription_empties_the_cache_until_it_is_back(
    redis: Redis, followed: LocalItemCache
) -> None:
    """Killing the subscriber's connection forgets everything; once resubscribed it works."""
    followed.put(1, b"x", followed.epoch)
    await redis.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
    await wait_until_async(lambda: followed.get(1) is None)
    await wait_until_async(lambda: followed._live)
    followed.put(2, b"y", followed.epoch)
    await announce_changed(redis, [2])
    await wait_until_async(lambda: followed.get(2) is None)
