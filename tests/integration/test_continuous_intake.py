"""Continuous intake on fakeredis and real Redis: a slow entry never holds the others back."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable

from redis.asyncio import Redis

from shared.streams import names
from shared.streams.groups import ensure_groups
from shared.streams.handler import Handled
from shared.streams.loop import ConsumerLoop, LoopSettings
from tests.e2e.waiting import wait_until_async
from tests.numbered import (
    Numbered,
    batch_numbered,
    commands_pending,
    commands_reader,
    each_numbered,
)

TWO = LoopSettings(count=2, claim_idle_ms=150, max_deliveries=3, grace_s=0.2, claim_every_s=0.05)


class _Tracked:
    """A handler that counts starts, completions and the most entries in hand at once."""

    def __init__(self, slow: bytes, release: asyncio.Event) -> None:
        self.slow, self.release = slow, release
        self.started: Counter[bytes] = Counter()
        self.done: list[bytes] = []
        self.in_hand = self.most_in_hand = 0

    async def handle(self, message: Numbered) -> Handled:
        self.started[message.n] += 1
        self.in_hand += 1
        self.most_in_hand = max(self.most_in_hand, self.in_hand)
        try:
            if message.n == self.slow:
                await self.release.wait()
            else:
                await asyncio.sleep(0.01)
        finally:
            self.in_hand -= 1
        self.done.append(message.n)
        return Handled()


async def _running(loop: ConsumerLoop[Numbered]) -> tuple[asyncio.Event, asyncio.Task[None]]:
    stop = asyncio.Event()
    return stop, asyncio.create_task(loop.run_until(stop))


async def _stopped(stop: asyncio.Event, task: Awaitable[None]) -> None:
    stop.set()
    await asyncio.wait_for(task, timeout=5)


async def test_a_slow_command_does_not_hold_the_others_back(any_redis: Redis) -> None:
    """With two slots, five fast entries finish while the first entry is still blocked."""
    redis = any_redis
    await ensure_groups(redis)
    for n in ["slow", *(str(n) for n in range(5))]:
        await redis.xadd(names.COMMANDS, {"n": n})
    tracked = _Tracked(b"slow", asyncio.Event())
    stop, task = await _running(
        ConsumerLoop(commands_reader(redis, "c1"), each_numbered(tracked.handle), TWO)
    )
    await wait_until_async(lambda: len(tracked.done) == 5)
    assert sorted(tracked.done) == [b"0", b"1", b"2", b"3", b"4"]
    assert tracked.most_in_hand == 2  # the free slot took one entry after another
    await asyncio.sleep(3 * TWO.claim_idle_ms / 1000)  # well past claim_idle: kept claimed
    assert await commands_pending(redis) == 1
    tracked.release.set()
    await wait_until_async(lambda: len(tracked.done) == 6)
    await _stopped(stop, task)
    assert tracked.started == Counter({n: 1 for n in tracked.done})  # each handled once
    assert await commands_pending(redis) == 0


async def test_a_whole_batch_consumer_takes_the_next_batch_once_the_one_in_hand_is_done(
    any_redis: Redis,
) -> None:
    """Whole batches never overlap: the writer's one-transaction-per-batch stays as it was."""
    redis = any_redis
    await ensure_groups(redis)
    for n in range(5):
        await redis.xadd(names.COMMANDS, {"n": str(n)})
    batches: list[list[bytes]] = []
    in_hand = most_in_hand = 0

    async def handle(messages: list[Numbered]) -> Handled:
        nonlocal in_hand, most_in_hand
        in_hand += 1
        most_in_hand = max(most_in_hand, in_hand)
        await asyncio.sleep(0.05)
        in_hand -= 1
        batches.append([message.n for message in messages])
        return Handled()

    stop, task = await _running(
        ConsumerLoop(commands_reader(redis, "c1"), batch_numbered(handle), TWO)
    )
    await wait_until_async(lambda: sum(len(batch) for batch in batches) == 5)
    await _stopped(stop, task)
    assert batches == [[b"0", b"1"], [b"2", b"3"], [b"4"]]
    assert most_in_hand == 1


async def test_stop_hands_back_the_slow_entry_and_another_consumer_finishes_it(
    any_redis: Redis,
) -> None:
    """On stop the fast entries are done and the slow one is requeued: none lost, none twice."""
    redis = any_redis
    await ensure_groups(redis)
    for n in ["slow", *(str(n) for n in range(3))]:
        await redis.xadd(names.COMMANDS, {"n": n})
    first = _Tracked(b"slow", asyncio.Event())  # never released: outlives the grace time
    stop, task = await _running(
        ConsumerLoop(commands_reader(redis, "c1"), each_numbered(first.handle), TWO)
    )
    await wait_until_async(lambda: len(first.done) == 3)
    await _stopped(stop, task)
    assert await commands_pending(redis) == 0  # the slow entry went back to the stream
    released = asyncio.Event()
    released.set()
    second = _Tracked(b"slow", released)
    stop, task = await _running(
        ConsumerLoop(commands_reader(redis, "c2"), each_numbered(second.handle), TWO)
    )
    await wait_until_async(lambda: second.done == [b"slow"])
    await _stopped(stop, task)
    assert sorted(first.done + second.done) == [b"0", b"1", b"2", b"slow"]
    assert await commands_pending(redis) == 0


async def test_a_reconnect_does_not_hand_out_entries_already_in_hand(any_redis: Redis) -> None:
    """After a lost reply the loop re-reads its own pending entries, but not those it holds."""
    redis = any_redis
    await ensure_groups(redis)
    await redis.xadd(names.COMMANDS, {"n": "slow"})
    tracked = _Tracked(b"slow", asyncio.Event())
    reader = commands_reader(redis, "c1")
    stop, task = await _running(ConsumerLoop(reader, each_numbered(tracked.handle), TWO))
    await wait_until_async(lambda: tracked.started[b"slow"] == 1)
    reader.recover_pending()  # as after a Redis error: the backlog is read again
    for n in range(3):
        await redis.xadd(names.COMMANDS, {"n": str(n)})
    await wait_until_async(lambda: len(tracked.done) == 3)
    tracked.release.set()
    await wait_until_async(lambda: len(tracked.done) == 4)
    await _stopped(stop, task)
    assert tracked.started[b"slow"] == 1
    assert await commands_pending(redis) == 0


async def test_the_backlog_pass_reads_each_held_entry_once(any_redis: Redis) -> None:
    """Re-reading own pending entries moves on past each one, then ends."""
    redis = any_redis
    await ensure_groups(redis)
    for n in range(3):
        await redis.xadd(names.COMMANDS, {"n": str(n)})
    reader = commands_reader(redis, "c1")
    await reader.read_new(3)
    reader.recover_pending()
    passes = [await reader.read_held(2) for _ in range(3)]
    assert [[fields[b"n"] for _, fields in entries] for entries in passes] == [
        [b"0", b"1"],
        [b"2"],
        [],
    ]
    assert await reader.read_held(2) == []  # the pass is over until the next reconnect
