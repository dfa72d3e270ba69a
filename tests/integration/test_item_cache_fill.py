"""Filling the Redis item cache off the request path: a writer's marker always wins."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from harness.redis_server import redis_server
from services.api.cache import FILL_MAX_AGE_S, CacheFiller, cached_items
from shared.cache.item_changes import STALE_MARK_MS, announce_changed
from shared.config import RedisSettings
from shared.redis.client import redis_client
from shared.streams import names

TTL_MS = 60_000


async def _until_drained(filler: CacheFiller, fills: int) -> None:
    deadline = time.monotonic() + 5
    while filler.filled + filler.refused + filler.skipped < fills:
        assert time.monotonic() < deadline, "the filler did not send its fills"
        await asyncio.sleep(0.01)


@pytest.fixture
async def running(redis: Redis) -> AsyncIterator[CacheFiller]:
    """A filler sending in the background until the test ends."""
    filler = CacheFiller(redis, TTL_MS)
    task = asyncio.create_task(filler.run())
    yield filler
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_a_fill_waits_far_less_than_a_writers_marker_lasts() -> None:
    """The margin the rule rests on: a fill as old as the marker could outlive it."""
    assert FILL_MAX_AGE_S * 1000 <= STALE_MARK_MS / 2


async def test_a_background_fill_fills_an_empty_slot(redis: Redis, running: CacheFiller) -> None:
    """A read's answer reaches Redis after the answer was given, with the cache's TTL."""
    running.offer(7, b'{"id": 7}', time.monotonic())
    await _until_drained(running, 1)
    assert running.filled == 1
    assert await redis.get(names.item_cache_key(7)) == b'{"id": 7}'
    assert 0 < await redis.pttl(names.item_cache_key(7)) <= TTL_MS


async def test_a_write_between_the_read_and_the_fill_keeps_the_old_answer_out(
    redis: Redis, running: CacheFiller
) -> None:
    """The slot was empty when read; a writer marked it before the queued fill was sent."""
    read_started = time.monotonic()
    assert await cached_items(redis, [9]) == {}  # empty: the read may fill it
    await announce_changed(redis, [9])  # the writer commits and marks, the fill still queued
    running.offer(9, b'{"id": 9, "old": true}', read_started)
    await _until_drained(running, 1)
    assert (running.filled, running.refused) == (0, 1)
    assert await redis.get(names.item_cache_key(9)) == b""  # the marker, not the old answer


async def test_a_fill_that_waited_too_long_is_dropped(redis: Redis) -> None:
    """Past its age the marker it must meet may have expired: it is not sent at all."""
    filler = CacheFiller(redis, TTL_MS)
    stale = time.monotonic() - FILL_MAX_AGE_S - 0.1
    fresh = time.monotonic()
    batch = [(1, b"old", stale), (2, b"new", fresh)]
    assert await filler.fill(batch) == 1
    assert (filler.filled, filler.skipped) == (1, 1)
    assert await redis.get(names.item_cache_key(1)) is None
    assert await redis.get(names.item_cache_key(2)) == b"new"


async def test_the_queue_is_bounded(redis: Redis) -> None:
    """With nothing sending, fills past the bound are skipped, not kept."""
    filler = CacheFiller(redis, TTL_MS, max_queued=3)
    for item_id in range(5):
        filler.offer(item_id, b"x", time.monotonic())
    assert filler.skipped == 2
    assert await filler.fill([(0, b"x", time.monotonic())]) == 1


async def _fill_past_maxmemory(redis: Redis) -> None:
    used = int((await redis.info("memory"))["used_memory"])
    await redis.config_set("maxmemory", str(used // 2))  # already over: every write refused


async def test_a_full_noeviction_redis_refuses_the_cache_not_the_answer() -> None:
    """At maxmemory the fills are refused, counted as not filled, and nothing raises."""
    with redis_server("--maxmemory-policy", "noeviction") as port:
        async with redis_client(RedisSettings(host="127.0.0.1", port=port)) as redis:
            filler = CacheFiller(redis, TTL_MS)
            await _fill_past_maxmemory(redis)
            assert await filler.fill([(1, b'{"id": 1}', time.monotonic())]) == 0
            await redis.config_set("maxmemory", "0")
            assert await filler.fill([(1, b'{"id": 1}', time.monotonic())]) == 1


async def test_a_redis_error_costs_only_its_batch(redis: Redis, running: CacheFiller) -> None:
    """A dropped connection loses the fills in flight; the filler goes on with the next."""
    await redis.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no")
    running.offer(3, b"three", time.monotonic())
    await _until_drained(running, 1)
    running.offer(4, b"four", time.monotonic())
    await _until_drained(running, 2)
    assert await redis.get(names.item_cache_key(4)) == b"four"
