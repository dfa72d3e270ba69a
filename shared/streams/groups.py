"""Consumer groups: create them, recognise their loss, wait for Redis to create them.

A group lives only in Redis. When Redis loses its data the group goes with it,
and every group command answers ``NOGROUP``; recreating it is always safe.
"""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from shared.resilience.backoff import StoppedWaiting, retry_until_stopped
from shared.streams import names

PIPELINE_GROUPS = ((names.COMMANDS, names.FETCHERS), (names.PAGES, names.WRITERS))


def is_missing_group(exc: ResponseError) -> bool:
    """True when Redis answered that the stream or its group does not exist.

    ``UNBLOCKED`` is what a blocked ``XREADGROUP`` gets when the stream is deleted
    under it (Redis 7+), e.g. by a flush.
    """
    text = str(exc)
    return text.startswith("NOGROUP") or "stream key no longer exists" in text


async def ensure_group(redis: Redis, stream: str, group: str) -> bool:
    """Create ``group`` on ``stream`` from its start, creating the stream if needed.

    From the start (id 0), so entries added before the group existed are read too.
    True when this call created it; False when it existed already (``BUSYGROUP``).
    """
    try:
        await redis.xgroup_create(stream, group, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise
        return False
    return True


async def ensure_groups(redis: Redis) -> None:
    """Create both consumer groups (and their streams) if missing; safe to call often."""
    for stream, group in PIPELINE_GROUPS:
        await ensure_group(redis, stream, group)


async def wait_for_groups(redis: Redis, stop: asyncio.Event) -> bool:
    """Create the groups, waiting with backoff while Redis is unreachable; False if stopped."""
    if stop.is_set():
        return False
    try:
        await retry_until_stopped(
            lambda: ensure_groups(redis),
            stop=stop,
            retry_if=lambda exc: isinstance(exc, RedisError | OSError),
            event="redis.unavailable",
        )
    except StoppedWaiting:
        return False
    return True
