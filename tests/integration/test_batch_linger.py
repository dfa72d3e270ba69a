"""A whole-batch consumer that finds entries waiting, but fewer than a full batch, lingers
for more; an entry that comes to an idle stream is handled at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis

from shared.streams import names
from shared.streams.consumer import GroupReader
from shared.streams.groups import ensure_groups
from shared.streams.handler import Handled
from shared.streams.loop import ConsumerLoop, LoopSettings
from tests.e2e.waiting import wait_until_async
from tests.numbered import Numbered, batch_numbered, commands_pending, commands_reader


def _settings(linger_s: float) -> LoopSettings:
    return LoopSettings(
        count=4, claim_idle_ms=60_000, max_deliveries=3, grace_s=0.2, linger_s=linger_s
    )


class _Batches:
    def __init__(self) -> None:
        self.seen: list[list[bytes]] = []

    async def handle(self, messages: list[Numbered]) -> Handled:
        self.seen.append([message.n for message in messages])
        return Handled()


async def _add(redis: Redis, *numbers: int) -> None:
    for n in numbers:
        await redis.xadd(names.COMMANDS, {"n": str(n)})


def _start(
    reader: GroupReader, batches: _Batches, settings: LoopSettings
) -> tuple[asyncio.Event, asyncio.Task[None]]:
    loop = ConsumerLoop(reader, batch_numbered(batches.handle), settings)
    stop = asyncio.Event()
    return stop, asyncio.create_task(loop.run_until(stop))


async def _stopped(stop: asyncio.Event, task: asyncio.Task[None], timeout_s: float = 5) -> None:
    stop.set()
    await asyncio.wait_for(task, timeout=timeout_s)  # never the 30 s linger


async def _until(check: Callable[[], Awaitable[bool]], failure: str) -> None:
    """Return once ``check`` holds (it asks Redis); fail after 5 s."""
    deadline = time.monotonic() + 5
    while not await check():
        assert time.monotonic() < deadline, failure
        await asyncio.sleep(0.01)


async def _read_by_the_loop(redis: Redis) -> None:
    """Return once the loop holds an entry (delivered, not acknowledged)."""
    await _until(lambda: _pending(redis), "no entry was read")


async def _pending(redis: Redis) -> bool:
    return await commands_pending(redis) > 0


async def test_entries_that_come_while_a_short_batch_lingers_join_it(any_redis: Redis) -> None:
    """The first entry is found waiting, alone; the three added while it lingers are handled
    with it.

    Without the linger the first would be handled on its own: it is in hand (pending)
    before the others exist.
    """
    redis = any_redis
    await ensure_groups(redis)
    await _add(redis, 0)
    batches = _Batches()
    stop, task = _start(commands_reader(redis, "c1"), batches, _settings(30))
    await _read_by_the_loop(redis)
    await _add(redis, 1, 2, 3)
    await wait_until_async(lambda: bool(batches.seen))  # full: long before the 30 s linger
    await _stopped(stop, task)
    assert batches.seen == [[b"0", b"1", b"2", b"3"]]
    assert await commands_pending(redis) == 0


async def test_a_short_batch_is_handled_when_the_linger_ends(any_redis: Redis) -> None:
    """Nothing more comes: the one entry is handled, no sooner than the linger allows."""
    redis = any_redis
    await ensure_groups(redis)
    await _add(redis, 0)
    batches = _Batches()
    started = time.monotonic()
    stop, task = _start(commands_reader(redis, "c1"), batches, _settings(0.3))
    await wait_until_async(lambda: bool(batches.seen))
    waited = time.monotonic() - started
    await _stopped(stop, task)
    assert batches.seen == [[b"0"]]
    assert waited >= 0.3


async def test_a_stop_ends_the_linger_and_hands_the_entry_back(any_redis: Redis) -> None:
    """Stopped while it lingers, the loop starts nothing and requeues what it read."""
    redis = any_redis
    await ensure_groups(redis)
    await _add(redis, 0)
    batches = _Batches()
    stop, task = _start(commands_reader(redis, "c1"), batches, _settings(30))
    await _read_by_the_loop(redis)
    await _stopped(stop, task)
    assert batches.seen == []
    assert await commands_pending(redis) == 0
    stop, task = _start(commands_reader(redis, "c2"), batches, _settings(0))
    await wait_until_async(lambda: bool(batches.seen))  # requeued, not lost
    await _stopped(stop, task)
    assert batches.seen == [[b"0"]]


async def test_an_entry_that_comes_to_an_idle_stream_is_handled_at_once(redis: Redis) -> None:
    """Nothing was waiting, so the loop's read blocked: the entry that wakes it is handled
    without the linger (on real Redis, which shows a client blocked in XREADGROUP)."""
    await ensure_groups(redis)
    batches = _Batches()
    reader = commands_reader(redis, "c1")
    reader.block_ms = 3_000  # one long wait: the entry surely comes while it blocks
    stop, task = _start(reader, batches, _settings(30))
    await _until(lambda: _blocked_in_xreadgroup(redis), "the loop never waited for new entries")
    await _add(redis, 0)
    await wait_until_async(lambda: bool(batches.seen))  # well before the 30 s linger
    await _stopped(stop, task, timeout_s=10)  # one 3 s read may still be blocking
    assert batches.seen == [[b"0"]]


async def _blocked_in_xreadgroup(redis: Redis) -> bool:
    """Whether a client of this test's database waits in XREADGROUP."""
    db = str(redis.connection_pool.connection_kwargs.get("db", 0))
    clients: Any = await redis.client_list()
    return any("b" in c["flags"] and c["cmd"] == "xreadgroup" and c["db"] == db for c in clients)


async def test_a_linger_never_outlasts_a_third_of_claim_idle(any_redis: Redis) -> None:
    """Entries gathered are not kept claimed yet: however long the linger asked for, the
    batch starts within ``keep_every_s``, before another consumer could take it over."""
    redis = any_redis
    await ensure_groups(redis)
    await _add(redis, 0)
    batches = _Batches()
    settings = LoopSettings(count=4, claim_idle_ms=600, max_deliveries=3, linger_s=30)
    stop, task = _start(commands_reader(redis, "c1"), batches, settings)
    await wait_until_async(lambda: bool(batches.seen))  # 0.2 s, not 30 s
    await _stopped(stop, task)
    assert batches.seen == [[b"0"]]
