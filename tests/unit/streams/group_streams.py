"""Group reader tests' shared pieces: the test stream and group, a reader, entries added."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from shared.streams.codec import StreamEntry
from shared.streams.consumer import GroupReader

STREAM = "itemsync:test"
GROUP = "testers"


def reader(redis: Redis, consumer: str, stream: str = STREAM, group: str = GROUP) -> GroupReader:
    """A reader that never blocks for long when nothing is there."""
    return GroupReader(redis=redis, stream=stream, group=group, consumer=consumer, block_ms=1)


async def add(redis: Redis, *values: str, stream: str = STREAM) -> list[bytes]:
    """Add one entry per value, with a single field ``n``."""
    ids: list[Any] = [await redis.xadd(stream, {"n": value}) for value in values]
    return ids


def values(entries: list[StreamEntry]) -> list[str]:
    """The ``n`` field of each entry, in order."""
    return [fields[b"n"].decode() for _, fields in entries]


async def pending_by_consumer(redis: Redis, stream: str = STREAM) -> dict[str, int]:
    """XPENDING's count of unacknowledged entries per consumer."""
    summary: Any = await redis.xpending(stream, GROUP)
    return {c["name"].decode(): int(c["pending"]) for c in summary["consumers"]}
