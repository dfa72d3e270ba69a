"""The consumer loop on fakeredis and real Redis: reclaim, dead letters, delay, requeue, trim."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest
import structlog
from redis.asyncio import Redis
from structlog.testing import capture_logs

from shared.errors import Delay
from shared.models.pages import Page, PageMessage
from shared.streams import names
from shared.streams.codec import decode_page
from shared.streams.deadletter import list_dead, purge_dead, replay_dead
from shared.streams.groups import ensure_groups
from shared.streams.handler import Consumer, Handled
from shared.streams.loop import ConsumerLoop, LoopSettings
from shared.streams.trim import trim_acknowledged
from tests.numbered import (
    ENVELOPE,
    Numbered,
    batch_numbered,
    commands_pending,
    commands_reader,
    each_numbered,
)

FAST = LoopSettings(count=10, claim_idle_ms=50, max_deliveries=3, grace_s=0.2, claim_every_s=0.05)
# Takes over only what the test marks idle, and trims once, at the start: however long a
# run takes, nothing in hand is re-claimed and acknowledged entries stay to be read.
MARKED_IDLE = replace(FAST, claim_idle_ms=3_600_000, trim_every_s=3600)


async def _run_until(
    loop: ConsumerLoop[Numbered],
    condition: Callable[[], Awaitable[bool] | bool],
    what: str,
    *,
    timeout_s: float = 30.0,
) -> None:
    """Run ``loop`` until ``condition`` holds, polled every 10 ms, then stop it.

    Fails naming ``what`` when the condition does not hold within ``timeout_s``, so a
    slow machine only makes the test slower, never a different outcome.
    """
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run_until(stop))
    clock = asyncio.get_running_loop().time
    deadline = clock() + timeout_s
    try:
        while True:
            held = condition()
            if held if isinstance(held, bool) else await held:
                break
            if task.done():
                task.result()  # the loop ended on its own: show why
                raise AssertionError(f"{what}: the loop stopped before it")
            if clock() >= deadline:
                raise AssertionError(f"{what}: not within {timeout_s} s")
            await asyncio.sleep(0.01)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


@pytest.mark.parametrize("whole_batch", [False, True], ids=["each-message", "whole-batch"])
async def test_a_poison_entry_is_dead_lettered_and_the_rest_flow(
    any_redis: Redis, whole_batch: bool
) -> None:
    """An entry that fails every time goes to the dead stream with its error; others are acked.

    A whole batch holding it fails, and is retried one message at a time.
    """
    redis = any_redis
    await ensure_groups(redis)
    poison = await redis.xadd(names.COMMANDS, {"type": "list", "n": "poison"})
    for n in range(5):
        await redis.xadd(names.COMMANDS, {"type": "list", "n": str(n)})
    handled: list[bytes] = []

    async def handle(message: Numbered) -> Handled:
        if message.n == b"poison":
            raise ValueError("cannot handle this one")
        handled.append(message.n)
        return Handled()

    async def handle_batch(messages: list[Numbered]) -> Handled:
        if any(message.n == b"poison" for message in messages):
            raise ValueError("cannot handle this one")
        handled.extend(message.n for message in messages)
        return Handled()

    consumer = batch_numbered(handle_batch) if whole_batch else each_numbered(handle)
    loop = ConsumerLoop(commands_reader(redis, "c1"), consumer, FAST)

    async def settled() -> bool:
        return (
            len(handled) >= 5
            and len(await list_dead(redis)) >= 1
            and await commands_pending(redis) == 0
        )

    await _run_until(loop, settled, "five entries handled, the poison dead-lettered, none pending")
    assert sorted(handled) == [b"0", b"1", b"2", b"3", b"4"]
    dead = await list_dead(redis)
    assert len(dead) == 1
    assert dead[0].entry_id == poison.decode()  # type: ignore[union-attr]
    assert "ValueError: cannot handle this one" in dead[0].error
    assert int(dead[0].deliveries) >= FAST.max_deliveries
    assert dead[0].fields["n"] == "poison"
    assert await commands_pending(redis) == 0


async def test_replay_puts_a_dead_letter_back_and_purge_removes(any_redis: Redis) -> None:
    """Replay re-adds the original fields to their stream and removes the dead letter."""
    redis = any_redis
    await ensure_groups(redis)
    await redis.xadd(
        names.DEAD,
        {
            "type": "list",
            "body": "{}",
            "error": "boom",
            "deliveries": "5",
            "stream": names.COMMANDS,
            "group": names.FETCHERS,
            "entry_id": "1-0",
        },
    )
    await redis.xadd(names.DEAD, {"type": "page", "error": "x", "stream": names.PAGES})
    first = (await list_dead(redis))[0]
    replayed = await replay_dead(redis, [first.dead_id])
    assert len(replayed) == 1
    entries: Any = await redis.xrange(names.COMMANDS)
    assert entries[-1][1] == {b"type": b"list", b"body": b"{}"}
    assert [d.stream for d in await list_dead(redis)] == [names.PAGES]
    assert await purge_dead(redis) == 1
    assert await list_dead(redis) == []


async def test_stop_requeues_what_is_still_held(any_redis: Redis) -> None:
    """A batch that outlives the grace time is requeued: nothing pending for the consumer."""
    redis = any_redis
    await ensure_groups(redis)
    await redis.xadd(names.COMMANDS, {"type": "list", "n": "slow"})

    started = asyncio.Event()

    async def never_finishes(message: Numbered) -> Handled:
        started.set()
        await asyncio.sleep(60)
        return Handled()

    loop = ConsumerLoop(commands_reader(redis, "c1"), each_numbered(never_finishes), FAST)
    await _run_until(loop, started.is_set, "the slow entry in hand")
    assert await commands_pending(redis) == 0
    entries: Any = await redis.xrange(names.COMMANDS)
    assert len(entries) == 2
    assert entries[-1][1][b"n"] == b"slow"
    assert entries[-1][1][b"attempts"] == b"0"  # interrupted, not failed
    consumers: Any = await redis.xinfo_consumers(names.COMMANDS, names.FETCHERS)
    assert consumers == []  # the consumer left the group


async def test_live_slow_work_is_not_taken_over(any_redis: Redis) -> None:
    """Entries in hand are re-claimed by their consumer, so an idle-based takeover skips them.

    A re-claim shows as a drop in the idle time Redis reports. A drop counts only when the
    entry could not have reached ``claim_idle`` since the previous reading, since an
    idle-based takeover (the consumer's own included) also resets it, but only past
    ``claim_idle``. Right after each counted re-claim a second consumer tries a takeover.
    The entry is held for nine re-claims, three ``claim_idle`` periods, so conditions, not
    a clock, decide the outcome.
    """
    redis = any_redis
    await ensure_groups(redis)
    entry_id = await redis.xadd(names.COMMANDS, {"type": "list", "n": "slow"})
    started = asyncio.Event()
    release = asyncio.Event()

    async def slow(message: Numbered) -> Handled:
        started.set()
        await release.wait()
        return Handled()

    clock = asyncio.get_running_loop().time
    loop = ConsumerLoop(commands_reader(redis, "c1"), each_numbered(slow), FAST)
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run_until(stop))
    await asyncio.wait_for(started.wait(), timeout=10)
    held_since = clock()
    other = commands_reader(redis, "c2")
    stolen = []
    reclaims = 0
    last_idle, last_read = await _idle_ms(redis, entry_id), clock()
    while reclaims < 9 and clock() < held_since + 30:
        await asyncio.sleep(0.005)
        idle, read_at = await _idle_ms(redis, entry_id), clock()
        if idle < last_idle and last_idle + (read_at - last_read) * 1000 < FAST.claim_idle_ms:
            reclaims += 1
            stolen += await other.claim_stale(FAST.claim_idle_ms, 10)
        last_idle, last_read = idle, read_at
    held_ms = (clock() - held_since) * 1000
    release.set()
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    assert reclaims == 9
    assert held_ms > FAST.claim_idle_ms
    assert stolen == []
    assert await commands_pending(redis) == 0


async def _idle_ms(redis: Redis, entry_id: bytes) -> int:
    """How long Redis says ``entry_id`` has sat unclaimed in the commands group."""
    pending: Any = await redis.xpending_range(
        names.COMMANDS, names.FETCHERS, min=entry_id, max=entry_id, count=1
    )
    return int(pending[0]["time_since_delivered"])


async def test_trimming_keeps_every_entry_a_group_still_needs(any_redis: Redis) -> None:
    """Trimming removes acknowledged entries only, never pending or undelivered ones."""
    redis = any_redis
    await ensure_groups(redis)
    ids = [await redis.xadd(names.COMMANDS, {"n": str(n)}) for n in range(6)]
    reader = commands_reader(redis, "c1")
    delivered = await reader.read(4)  # 0..3 delivered; 4 and 5 not yet
    await reader.ack([delivered[0][0], delivered[1][0], delivered[3][0]])  # 2 stays pending
    removed = await trim_acknowledged(redis, names.COMMANDS)
    remaining: Any = await redis.xrange(names.COMMANDS)
    assert removed == 2
    assert [entry_id for entry_id, _ in remaining] == ids[2:]


async def test_a_byte_budget_keeps_batches_of_large_entries_small(any_redis: Redis) -> None:
    """With 100 KB entries and a 250 KB budget no batch holds more than two of them."""
    redis = any_redis
    await ensure_groups(redis)
    for index in range(12):
        await redis.xadd(names.COMMANDS, {"n": str(index), "body": "x" * 100_000})
    batches: list[int] = []

    async def handle(messages: list[Numbered]) -> Handled:
        batches.append(len(messages))
        return Handled()

    settings = LoopSettings(
        count=10, claim_idle_ms=5000, max_deliveries=3, grace_s=0.2, max_batch_bytes=250_000
    )
    loop = ConsumerLoop(commands_reader(redis, "c1"), batch_numbered(handle), settings)

    async def all_done() -> bool:
        return sum(batches) >= 12 and await commands_pending(redis) == 0

    await _run_until(loop, all_done, "twelve entries handled, none pending")
    assert sum(batches) == 12
    assert max(batches) == 2
    assert await commands_pending(redis) == 0


async def test_a_delayed_entry_is_requeued_carrying_its_failures_not_the_delay(
    any_redis: Redis,
) -> None:
    """A failure, then a delay: the fresh copy carries one failure, and is handled after.

    Once the failed entry is out of hand the test marks it idle past ``claim_idle`` (an hour)
    for the loop to take over. No stall can make the loop re-claim it while the delay holds
    it, which would count one more delivery as a failure.
    """
    redis = any_redis
    await ensure_groups(redis)
    first = await redis.xadd(names.COMMANDS, {"n": "flaky"})
    outcomes = [ValueError("upstream hiccup"), Delay("circuit_open", retry_after_s=0.01)]
    handled: list[bytes] = []
    contexts: list[dict[str, Any]] = []

    async def handle(message: Numbered) -> Handled:
        contexts.append(structlog.contextvars.get_contextvars())
        if outcomes:
            raise outcomes.pop(0)
        handled.append(message.n)
        return Handled()

    loop = ConsumerLoop(commands_reader(redis, "c1"), each_numbered(handle), MARKED_IDLE)
    marked = False

    async def handled_after_the_delay() -> bool:
        nonlocal marked
        if not marked and len(contexts) == 1 and not loop._work:  # failed, and out of hand
            await redis.xclaim(
                names.COMMANDS, names.FETCHERS, "c1", 0, [first], idle=3_600_000, justid=True
            )
            marked = True
        return len(handled) >= 1 and await commands_pending(redis) == 0

    with capture_logs() as logs:
        await _run_until(loop, handled_after_the_delay, "the requeued copy handled, none pending")
    entries: Any = await redis.xrange(names.COMMANDS)
    [(original_id, _), (_, copy)] = entries  # the original stays until trimmed
    assert original_id == first
    assert copy == {b"n": b"flaky", b"attempts": b"1"}
    assert handled == [b"flaky"]
    assert await commands_pending(redis) == 0
    assert await list_dead(redis) == []
    delayed = [line for line in logs if line["event"] == "numbered.delayed"]
    assert [(line["reason"], line["page_key"]) for line in delayed] == [("circuit_open", "flaky")]
    assert [line["event"] for line in logs if line["event"] == "numbered.failed"] == [
        "numbered.failed"
    ]
    assert len(contexts) == 3  # the loop bound each handling to its job and entry
    assert {(c["job_id"], c["trace_id"], c["source"]) for c in contexts} == {
        (str(ENVELOPE.job_id), ENVELOPE.trace_id, ENVELOPE.source)
    }
    assert contexts[0]["entry_id"] == first.decode()  # type: ignore[union-attr]


async def test_an_entry_the_decoder_rejects_is_dead_lettered_at_once(any_redis: Redis) -> None:
    """An undecodable entry never reaches the handler: it is dead-lettered on first delivery."""
    redis = any_redis
    await ensure_groups(redis)
    bad = await redis.xadd(names.COMMANDS, {"type": "list"})
    await redis.xadd(names.COMMANDS, {"n": "good"})
    handled: list[bytes] = []

    async def handle(message: Numbered) -> Handled:
        handled.append(message.n)
        return Handled()

    async def settled() -> bool:
        return (
            len(handled) >= 1
            and len(await list_dead(redis)) >= 1
            and await commands_pending(redis) == 0
        )

    consumer: Consumer[Numbered] = each_numbered(handle)
    await _run_until(
        ConsumerLoop(commands_reader(redis, "c1"), consumer, FAST),
        settled,
        "the good entry handled, the bad one dead-lettered, none pending",
    )
    [dead] = await list_dead(redis)
    assert (dead.entry_id, dead.deliveries) == (bad.decode(), "1")  # type: ignore[union-attr]
    assert "lacks field(s) n" in dead.error
    assert handled == [b"good"]
    assert await commands_pending(redis) == 0


async def test_outputs_go_out_with_the_ack_and_after_ack_runs_once_acked(
    any_redis: Redis,
) -> None:
    """A handler's outputs land with its ack in one step; ``after_ack`` sees nothing pending."""
    redis = any_redis
    await ensure_groups(redis)
    await redis.xadd(names.COMMANDS, {"n": "cause"})
    seen_pending: list[int] = []

    async def after_ack() -> None:
        seen_pending.append(await commands_pending(redis))

    async def handle(message: Numbered) -> Handled:
        page = PageMessage(
            envelope=message.envelope,
            page=Page(page_key=message.page_key, items=[], fetched_at=ENVELOPE.created_at),
        )
        return Handled(outputs=[page], after_ack=after_ack)

    await _run_until(
        ConsumerLoop(commands_reader(redis, "c1"), each_numbered(handle), FAST),
        lambda: len(seen_pending) >= 1,
        "after_ack run",
    )
    pages: Any = await redis.xrange(names.PAGES)
    assert [decode_page(fields).page.page_key for _, fields in pages] == ["cause"]
    assert seen_pending == [0]
    assert await commands_pending(redis) == 0
