"""The backpressure gate against real Redis: bytes from MEMORY USAGE, drained by trimming."""

from __future__ import annotations

import asyncio
from typing import Any

from redis.asyncio import Redis

from shared.streams import names
from shared.streams.backpressure import BackpressureGate, StreamBudget, read_backlog
from shared.streams.groups import ensure_groups
from shared.streams.trim import trim_acknowledged

PAGE_BYTES = 200_000  # about one real PokeAPI detail
PAGES = 10


async def _publish_pages(redis: Redis, pages: int) -> None:
    for n in range(pages):
        await redis.xadd(names.PAGES, {"type": "page", "body": bytes([65 + n]) * PAGE_BYTES})


async def _drain(redis: Redis) -> None:
    """Do what writers do: read, acknowledge, trim."""
    reply: Any = await redis.xreadgroup(names.WRITERS, "w1", {names.PAGES: ">"}, count=100)
    await redis.xack(names.PAGES, names.WRITERS, *[entry_id for entry_id, _ in reply[0][1]])
    await trim_acknowledged(redis, names.PAGES)


def _pages_budget(max_entries: int = 0, max_bytes: int = 0) -> StreamBudget:
    return StreamBudget(
        stream=names.PAGES, group=names.WRITERS, max_entries=max_entries, max_bytes=max_bytes
    )


async def test_memory_usage_counts_every_byte_of_big_entries(redis: Redis) -> None:
    """The stream's bytes are its entries' bytes plus allocator rounding, and drop on trim."""
    await ensure_groups(redis)
    await _publish_pages(redis, PAGES)
    backlog = await read_backlog(redis, names.PAGES, names.WRITERS)
    assert backlog.memory_bytes is not None
    assert PAGES * PAGE_BYTES <= backlog.memory_bytes <= PAGES * PAGE_BYTES * 1.25
    assert (backlog.unacked, backlog.length) == (PAGES, PAGES)
    await _drain(redis)
    drained = await read_backlog(redis, names.PAGES, names.WRITERS)
    assert drained.memory_bytes is not None
    assert drained.memory_bytes < PAGE_BYTES * 1.25  # MINID trimming keeps the last one read
    assert (drained.unacked, drained.length) == (0, 1)


async def test_the_gate_closes_on_bytes_and_opens_when_writers_catch_up(redis: Redis) -> None:
    """Over the byte budget nothing is admitted; after writers ack and trim, room comes back."""
    await ensure_groups(redis)
    gate = BackpressureGate(
        redis=redis, budget=_pages_budget(max_bytes=PAGES * PAGE_BYTES), poll_s=0.01
    )
    stop = asyncio.Event()
    await _publish_pages(redis, PAGES // 2)
    assert 1 <= await gate.admit(8, stop) <= PAGES // 2  # about as many pages as are left
    await _publish_pages(redis, PAGES // 2)
    assert await gate.admit(8, stop) == 0
    assert gate.engaged
    await _drain(redis)
    assert await gate.admit(8, stop) >= PAGES // 2
    assert not gate.engaged


async def test_the_gate_opens_when_redis_loses_its_data(redis: Redis) -> None:
    """A Redis that comes back empty holds no backlog: fetchers resume."""
    await ensure_groups(redis)
    await _publish_pages(redis, 3)
    gate = BackpressureGate(redis=redis, budget=_pages_budget(max_entries=3), poll_s=0.01)
    assert await gate.admit(4, asyncio.Event()) == 0
    await redis.flushdb()
    assert await gate.admit(2, asyncio.Event()) == 2


async def test_a_page_bigger_than_the_budget_never_stalls_the_fetchers(redis: Redis) -> None:
    """Once writers have acknowledged everything, one more page is admitted and fits."""
    await ensure_groups(redis)
    gate = BackpressureGate(
        redis=redis, budget=_pages_budget(max_bytes=PAGE_BYTES // 2), poll_s=0.01
    )
    await _publish_pages(redis, 1)
    assert await gate.admit(4, asyncio.Event()) == 0
    await _drain(redis)  # trimming keeps the last page read: still over the byte budget
    assert await gate.admit(4, asyncio.Event()) == 1
    async with asyncio.timeout(1), gate.room_for_entry(PAGE_BYTES, asyncio.Event()):
        await _publish_pages(redis, 1)


async def test_a_lag_redis_cannot_tell_counts_the_whole_stream(redis: Redis) -> None:
    """After an XDEL past the group's position, XINFO GROUPS gives no lag: every entry
    left is counted as owed (trimming never drops one the group has not acknowledged)."""
    await ensure_groups(redis)
    ids = [await redis.xadd(names.PAGES, {"n": str(n)}) for n in range(5)]
    await redis.xreadgroup(names.WRITERS, "w1", {names.PAGES: ">"}, count=1)
    await redis.xack(names.PAGES, names.WRITERS, ids[0])  # 3 owed of the 4 left
    await redis.xdel(names.PAGES, ids[2])
    groups: Any = await redis.xinfo_groups(names.PAGES)
    mine = [g for g in groups if g["name"] in (names.WRITERS, names.WRITERS.encode())]
    assert [g.get("lag") for g in mine] == [None]  # Redis 6.2 has no lag at all
    backlog = await read_backlog(redis, names.PAGES, names.WRITERS)
    assert (backlog.unacked, backlog.length) == (4, 4)  # the bound, not the exact 3


async def test_a_stream_without_the_group_owes_nothing(redis: Redis) -> None:
    """Entries nobody reads yet are no backlog of the group's: it has not been created."""
    await redis.xadd(names.PAGES, {"n": "0"})
    backlog = await read_backlog(redis, names.PAGES, names.WRITERS)
    assert (backlog.unacked, backlog.length) == (0, 1)
    assert backlog.memory_bytes is not None
    assert backlog.memory_bytes > 0
