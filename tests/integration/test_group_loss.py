"""Redis loses its data under a running consumer: the group is recreated once, work flows on."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from redis.asyncio import Redis
from structlog.testing import capture_logs

from shared.streams import names
from shared.streams.groups import ensure_group, ensure_groups
from shared.streams.handler import Handled
from shared.streams.loop import ConsumerLoop, LoopSettings
from shared.streams.trim import trim_acknowledged
from tests.e2e.waiting import wait_until_async
from tests.numbered import Numbered, batch_numbered, commands_reader

FAST = LoopSettings(count=10, claim_idle_ms=50, max_deliveries=3, grace_s=0.2, claim_every_s=0.05)


async def test_a_read_after_a_flush_recreates_the_group_and_reads_new_entries(
    any_redis: Redis,
) -> None:
    """After FLUSHDB the next read recreates the group from the stream's start: no NOGROUP."""
    await ensure_groups(any_redis)
    reader = commands_reader(any_redis, "c1")
    await any_redis.flushdb()
    await any_redis.xadd(names.COMMANDS, {"n": "after"})  # a publisher got there first
    with capture_logs() as logs:
        entries = await reader.read(10)
        again = await reader.read(10)
    assert [fields[b"n"] for _, fields in entries] == [b"after"]
    assert again == []
    recreated = [line for line in logs if line["event"] == "stream.group_recreated"]
    assert len(recreated) == 1
    assert recreated[0]["created"] is True


async def test_claiming_and_holding_after_a_flush_recreate_the_group(any_redis: Redis) -> None:
    """Reclaim, keep-claimed and the stop-time release all survive a vanished group."""
    await ensure_groups(any_redis)
    reader = commands_reader(any_redis, "c1")
    await any_redis.flushdb()
    assert await reader.claim_stale(min_idle_ms=0, count=10) == []
    await any_redis.flushdb()
    await reader.keep_claimed([b"1-0"])
    await any_redis.flushdb()
    assert await reader.held_entries() == []


async def test_a_second_consumer_finds_the_group_another_recreated(any_redis: Redis) -> None:
    """Recreating is idempotent: the second consumer to notice reports created=False."""
    await ensure_groups(any_redis)
    await any_redis.flushdb()
    await any_redis.xadd(names.COMMANDS, {"n": "after"})
    first, second = commands_reader(any_redis, "c1"), commands_reader(any_redis, "c2")
    await first.read(1)
    assert await ensure_group(any_redis, names.COMMANDS, names.FETCHERS) is False
    with capture_logs() as logs:
        await second.read(1)
    assert [line for line in logs if line["event"] == "stream.group_recreated"] == []


async def test_trimming_a_stream_redis_lost_removes_nothing(any_redis: Redis) -> None:
    """A stream that no longer exists trims to nothing instead of failing the loop."""
    assert await trim_acknowledged(any_redis, names.COMMANDS) == 0


@pytest.mark.integration
async def test_a_running_loop_recovers_from_a_flush_with_one_log_line(redis: Redis) -> None:
    """A loop whose Redis is flushed keeps handling new entries and logs the recreation once."""
    await ensure_groups(redis)
    handled: list[bytes] = []

    async def handle(messages: list[Numbered]) -> Handled:
        handled.extend(message.n for message in messages)
        return Handled()

    loop = ConsumerLoop(commands_reader(redis, "c1"), batch_numbered(handle), FAST)
    stop = asyncio.Event()
    with capture_logs() as logs:
        task = asyncio.create_task(loop.run_until(stop))
        await redis.xadd(names.COMMANDS, {"n": "before"})
        await wait_until_async(lambda: handled == [b"before"])
        await redis.flushdb()
        for n in range(3):
            await redis.xadd(names.COMMANDS, {"n": f"after-{n}"})
        await wait_until_async(lambda: len(handled) == 4)
        stop.set()
        await asyncio.wait_for(task, timeout=5)
    assert handled == [b"before", b"after-0", b"after-1", b"after-2"]
    events = [line["event"] for line in logs]
    assert events.count("stream.group_recreated") == 1
    assert "stream.batch_failed" not in events
    summary: Any = await redis.xpending(names.COMMANDS, names.FETCHERS)
    assert int(summary["pending"]) == 0
