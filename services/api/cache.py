"""The Redis cache in front of ``GET /items/{id}``.

Writers overwrite a changed item's slot with an empty marker for a few seconds;
readers only fill slots that are empty, so a read that raced a write never
puts the old row back.
"""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import OutOfMemoryError, ResponseError

from shared.streams import names


async def cached_item(redis: Redis, item_id: int) -> tuple[bytes | None, bool]:
    """The cached answer (or None) and whether the slot may be filled."""
    try:
        value = await redis.get(names.item_cache_key(item_id))
    except ResponseError:  # WRONGTYPE: not ours to fix here; read MySQL, never fill
        return None, False
    if isinstance(value, bytes) and value:
        return value, False
    return None, value is None


async def fill_item(redis: Redis, item_id: int, body: bytes, ttl_ms: int) -> bool:
    """Cache an answer unless a writer marked the slot meanwhile; True when it was cached.

    A Redis at ``maxmemory`` with ``noeviction`` refuses the write: the answer is still
    served, just not cached, and the queued entries keep the memory.
    """
    try:
        return bool(await redis.set(names.item_cache_key(item_id), body, nx=True, px=ttl_ms))
    except OutOfMemoryError:
        return False
