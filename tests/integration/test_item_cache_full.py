"""The item cache on a Redis that is full and evicts nothing: answers are served uncached."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis
from redis.exceptions import OutOfMemoryError

from harness.redis_server import redis_server
from services.api.cache import fill_item
from shared.config import RedisSettings
from shared.redis.client import redis_client


async def _fill_past_maxmemory(redis: Redis) -> None:
    used = int((await redis.info("memory"))["used_memory"])
    await redis.config_set("maxmemory", str(used // 2))  # already over: every write refused


async def test_a_full_noeviction_redis_refuses_the_cache_not_the_answer() -> None:
    """At maxmemory, filling the cache answers False instead of raising."""
    with redis_server("--maxmemory-policy", "noeviction") as port:
        async with redis_client(RedisSettings(host="127.0.0.1", port=port)) as redis:
            await _fill_past_maxmemory(redis)
            with pytest.raises(OutOfMemoryError):
                await redis.xadd("queue", {"n": "1"})
            assert await fill_item(redis, 1, b'{"id": 1}', ttl_ms=60_000) is False
            await redis.config_set("maxmemory", "0")
            assert await fill_item(redis, 1, b'{"id": 1}', ttl_ms=60_000) is True
