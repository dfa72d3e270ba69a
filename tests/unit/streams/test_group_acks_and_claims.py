"""Acknowledging entries and claiming stale ones from other consumers of a group."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from shared.streams.consumer import consumer_name
from tests.unit.streams.group_streams import GROUP, STREAM, add, pending_by_consumer, reader, values


async def test_ack_removes_entries_from_pending(redis: Redis, group: str) -> None:
    """Acknowledged entries leave the group's pending list; the others stay."""
    one = reader(redis, "c1")
    await add(redis, "a", "b", "c")
    ids = [entry_id for entry_id, _ in await one.read(10)]
    assert await pending_by_consumer(redis) == {"c1": 3}

    await one.ack(ids[:2])
    assert await pending_by_consumer(redis) == {"c1": 1}
    await one.ack([ids[2].decode()])  # ids may be given as text too
    summary: Any = await redis.xpending(STREAM, GROUP)
    assert summary["pending"] == 0


async def test_ack_of_nothing_is_a_no_op(redis: Redis, group: str) -> None:
    """Acking an empty list sends nothing and leaves pending entries alone."""
    await add(redis, "a")
    one = reader(redis, "c1")
    await one.read(10)
    await one.ack([])
    assert await pending_by_consumer(redis) == {"c1": 1}


async def test_claim_stale_takes_over_idle_entries(redis: Redis, group: str) -> None:
    """Another consumer takes over entries idle longer than ``min_idle_ms``."""
    await add(redis, "a", "b")
    await reader(redis, "dead").read(10)

    survivor = reader(redis, "alive")
    claimed = await survivor.claim_stale(min_idle_ms=0, count=10)

    assert values(claimed) == ["a", "b"]
    assert await pending_by_consumer(redis) == {"alive": 2}
    await survivor.ack([entry_id for entry_id, _ in claimed])
    summary: Any = await redis.xpending(STREAM, GROUP)
    assert summary["pending"] == 0


async def test_claim_stale_leaves_recent_entries(redis: Redis, group: str) -> None:
    """Entries idle for less than ``min_idle_ms`` stay with their consumer."""
    await add(redis, "a")
    await reader(redis, "busy").read(10)
    assert await reader(redis, "other").claim_stale(min_idle_ms=60_000, count=10) == []
    assert await pending_by_consumer(redis) == {"busy": 1}


async def test_claim_stale_respects_count(redis: Redis, group: str) -> None:
    """At most ``count`` entries are claimed per call, oldest first."""
    await add(redis, "a", "b", "c")
    await reader(redis, "dead").read(10)
    claimed = await reader(redis, "alive").claim_stale(min_idle_ms=0, count=2)
    assert values(claimed) == ["a", "b"]
    assert await pending_by_consumer(redis) == {"alive": 2, "dead": 1}


async def test_claim_stale_skips_deleted_entries(redis: Redis, group: str) -> None:
    """Entries whose fields were deleted (trimmed while pending) are not handed out.

    fakeredis, like Redis 7, also drops them from the pending list; Redis 6.2 would
    instead leave them pending for the claimer with nil fields.
    """
    _, gone, _ = await add(redis, "a", "b", "c")
    await reader(redis, "dead").read(10)
    await redis.xdel(STREAM, gone)

    claimed = await reader(redis, "alive").claim_stale(min_idle_ms=0, count=10)

    assert values(claimed) == ["a", "c"]
    assert gone not in [entry_id for entry_id, _ in claimed]


async def test_own_backlog_shows_deleted_entries_as_empty(redis: Redis, group: str) -> None:
    """A pending entry deleted from the stream comes back from the backlog with no fields."""
    a, gone = await add(redis, "a", "b")
    one = reader(redis, "c1")
    await one.read(10)
    await redis.xdel(STREAM, gone)
    one.recover_pending()
    backlog = dict(await one.read(10))
    assert backlog[a] == {b"n": b"a"}
    assert not backlog[gone]


def test_consumer_names_are_unique_and_readable() -> None:
    """Consumer names start with the service and differ between readers of one process."""
    first, second = consumer_name("fetcher"), consumer_name("fetcher")
    assert first.startswith("fetcher-")
    assert first != second
