"""A consumer loop trims what it settled as soon as that passes ``trim_after_bytes``.

The fetchers' gate measures the pages stream's memory, acknowledged entries included
until they are trimmed: a writer that waited for its trim timer kept the gate shut.
"""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from shared.streams import names
from shared.streams.groups import ensure_groups
from shared.streams.handler import Handled
from shared.streams.loop import ConsumerLoop, LoopSettings
from tests.numbered import Numbered, commands_reader, each_numbered

ENTRY_CHARS = 100_000


async def _stream_drained(redis: Redis, deadline_s: float) -> int:
    """Wait until the commands stream holds one entry at most, or the deadline; its length
    then. Trimming keeps the last entry read: it marks where the group has got to."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadline_s
    while True:
        length = int(await redis.xlen(names.COMMANDS))
        if length <= 1 or loop.time() >= deadline:
            return length
        await asyncio.sleep(0.01)  # Redis has no event for a length: it is polled


async def _run_until_handled(
    redis: Redis, settings: LoopSettings, entries: int, drain_s: float
) -> tuple[int, list[bytes]]:
    """Run a loop that handles ``entries`` 100 KB entries; the stream's length once they
    are all handled and it has had ``drain_s`` to drain, and what was handled."""
    await ensure_groups(redis)
    for index in range(entries):
        await redis.xadd(names.COMMANDS, {"n": str(index), "body": "x" * ENTRY_CHARS})
    handled: list[bytes] = []
    all_handled = asyncio.Event()

    async def handle(message: Numbered) -> Handled:
        handled.append(message.n)
        if len(handled) == entries:
            all_handled.set()
        return Handled()

    stop = asyncio.Event()
    loop = ConsumerLoop(commands_reader(redis, "c1"), each_numbered(handle), settings)
    task = asyncio.create_task(loop.run_until(stop))
    await asyncio.wait_for(all_handled.wait(), timeout=30)
    length = await _stream_drained(redis, drain_s)
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    return length, handled


async def test_settled_entries_are_trimmed_once_they_pass_the_byte_mark(
    any_redis: Redis,
) -> None:
    """With the timer an hour away, 400 KB settled past a 150 KB mark are trimmed."""
    settings = LoopSettings(
        count=1,  # one at a time: no earlier entry in hand holds the trim floor back
        claim_idle_ms=5000,
        max_deliveries=3,
        trim_every_s=3600,
        trim_after_bytes=150_000,
    )
    length, handled = await _run_until_handled(any_redis, settings, 4, drain_s=10.0)
    assert sorted(handled) == [b"0", b"1", b"2", b"3"]
    assert length == 1


async def test_below_the_byte_mark_the_timer_decides(any_redis: Redis) -> None:
    """The same entries under a mark they never reach stay until the timer: the mark,
    not any settled entry, sets the trim off."""
    settings = LoopSettings(
        count=1,  # one at a time: no earlier entry in hand holds the trim floor back
        claim_idle_ms=5000,
        max_deliveries=3,
        trim_every_s=3600,
        trim_after_bytes=10 * 1024 * 1024,
    )
    length, _ = await _run_until_handled(any_redis, settings, 4, drain_s=1.0)
    assert length == 4
