"""The backpressure gate: the room a budget leaves, one event per transition, a loop that waits."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from prometheus_client import REGISTRY
from redis.asyncio import Redis
from structlog.testing import capture_logs

from shared.streams import backpressure
from shared.streams.backpressure import (
    BackpressureGate,
    StreamBacklog,
    StreamBudget,
    entry_bytes,
    entry_fits,
    read_backlog,
    room_for,
)
from shared.streams.consumer import GroupReader
from shared.streams.handler import Handled
from shared.streams.loop import ConsumerLoop, LoopSettings
from tests.e2e.waiting import wait_until_async
from tests.numbered import Numbered, each_numbered

MiB = 1024 * 1024


def _budget(max_entries: int = 0, max_bytes: int = 0, stream: str = "out") -> StreamBudget:
    return StreamBudget(
        stream=stream, group="drainers", max_entries=max_entries, max_bytes=max_bytes
    )


@pytest.mark.parametrize(
    ("budget", "backlog", "wanted", "room"),
    [
        pytest.param(_budget(), StreamBacklog(10**6, 10**6, 10**12), 8, 8, id="no limits"),
        pytest.param(_budget(max_entries=10), StreamBacklog(4, 4, None), 8, 6, id="entries left"),
        pytest.param(
            _budget(max_entries=10), StreamBacklog(10, 12, None), 8, 0, id="entries spent"
        ),
        pytest.param(_budget(max_entries=10), StreamBacklog(11, 11, None), 8, 0, id="entries over"),
        pytest.param(
            _budget(max_bytes=8 * MiB), StreamBacklog(2, 2, 8 * MiB), 8, 0, id="bytes spent"
        ),
        pytest.param(
            _budget(max_bytes=8 * MiB), StreamBacklog(2, 2, 4 * MiB), 8, 2, id="bytes left"
        ),
        pytest.param(
            _budget(max_bytes=8 * MiB), StreamBacklog(2, 2, 7 * MiB), 8, 0, id="no mean entry fits"
        ),
        pytest.param(
            _budget(max_bytes=8 * MiB), StreamBacklog(0, 1, 7 * MiB), 8, 1, id="one big entry fits"
        ),
        pytest.param(
            _budget(max_bytes=MiB), StreamBacklog(0, 1, 2 * MiB), 8, 1, id="drained, last one kept"
        ),
        pytest.param(_budget(max_bytes=8 * MiB), StreamBacklog(0, 0, 600), 8, 8, id="empty stream"),
        pytest.param(
            _budget(max_entries=10, max_bytes=8 * MiB),
            StreamBacklog(3, 3, None),
            8,
            7,
            id="bytes unknown: entries only",
        ),
    ],
)
def test_room_is_what_the_budget_leaves(
    budget: StreamBudget, backlog: StreamBacklog, wanted: int, room: int
) -> None:
    """The room is the smaller of the entries and the bytes left, and 0 once either is spent."""
    assert room_for(budget, backlog, wanted) == room


@pytest.mark.parametrize(
    ("budget", "backlog", "fits"),
    [
        pytest.param(_budget(), StreamBacklog(10**6, 10**6, 10**12), True, id="no limits"),
        pytest.param(_budget(max_entries=3), StreamBacklog(2, 2, None), True, id="one more entry"),
        pytest.param(_budget(max_entries=3), StreamBacklog(3, 3, None), False, id="entries spent"),
        pytest.param(_budget(max_bytes=8 * MiB), StreamBacklog(4, 4, 7 * MiB), True, id="bytes"),
        pytest.param(
            _budget(max_bytes=8 * MiB), StreamBacklog(4, 4, 7 * MiB + 1), False, id="bytes spent"
        ),
        pytest.param(
            _budget(max_entries=1, max_bytes=MiB),
            StreamBacklog(0, 5, 9 * MiB),
            True,
            id="drained: always one",
        ),
    ],
)
def test_an_entry_fits_while_it_keeps_the_stream_within_budget(
    budget: StreamBudget, backlog: StreamBacklog, fits: bool
) -> None:
    """A 1 MiB entry fits when the entries and bytes after it stay within the budget."""
    assert entry_fits(budget, backlog, MiB) is fits


def test_an_entry_weighs_its_names_and_values() -> None:
    """The size of an entry is what its field names and values hold."""
    assert entry_bytes({"type": "page", b"body": b"x" * 100, "n": 7}) == 4 + 4 + 4 + 100 + 1 + 1


async def _fill(redis: Redis, stream: str, entries: int) -> None:
    await redis.xgroup_create(stream, "drainers", id="0", mkstream=True)
    for n in range(entries):
        await redis.xadd(stream, {"n": str(n)})


def _gauge(stream: str) -> float | None:
    return REGISTRY.get_sample_value("itemsync_backpressure", {"stream": stream})


def _engagements(stream: str) -> float | None:
    return REGISTRY.get_sample_value("itemsync_backpressure_engaged_total", {"stream": stream})


def _counted_readings(monkeypatch: pytest.MonkeyPatch) -> list[StreamBacklog]:
    """Every backlog the gate reads from now on, in order: its polls, counted."""
    readings: list[StreamBacklog] = []
    real = backpressure.read_backlog

    async def counted(redis: Redis, stream: str, group: str) -> StreamBacklog:
        backlog = await real(redis, stream, group)
        readings.append(backlog)
        return backlog

    monkeypatch.setattr(backpressure, "read_backlog", counted)
    return readings


async def test_unacknowledged_entries_are_lag_plus_pending(redis: Redis) -> None:
    """Entries not yet delivered and entries delivered but not acknowledged both count."""
    await _fill(redis, "out", 5)
    await redis.xreadgroup("drainers", "d1", {"out": ">"}, count=2)
    assert (await read_backlog(redis, "out", "drainers")).unacked == 5
    reply = await redis.xreadgroup("drainers", "d1", {"out": ">"}, count=1)
    await redis.xack("out", "drainers", reply[0][1][0][0])
    assert (await read_backlog(redis, "out", "drainers")).unacked == 4


async def test_a_missing_stream_is_an_empty_one(redis: Redis) -> None:
    """With no stream at all (Redis lost its data) the gate finds room."""
    backlog = await read_backlog(redis, "gone", "drainers")
    assert (backlog.unacked, backlog.length) == (0, 0)
    assert room_for(_budget(max_entries=10, max_bytes=MiB), backlog, 4) == 4


async def test_the_gate_logs_and_counts_once_per_transition(redis: Redis) -> None:
    """Engaging and releasing are one event each, however many polls the wait takes."""
    stream = f"out-{uuid.uuid4().hex[:8]}"
    await _fill(redis, stream, 3)
    gate = BackpressureGate(redis=redis, budget=_budget(max_entries=3, stream=stream), poll_s=0.01)
    stop = asyncio.Event()
    with capture_logs() as logs:
        admitted = [await gate.admit(8, stop) for _ in range(4)]
        assert gate.engaged
        assert _gauge(stream) == 1
        await redis.xreadgroup("drainers", "d1", {stream: ">"}, count=3)
        await redis.xack(stream, "drainers", *[e[0] for e in await redis.xrange(stream)])
        admitted += [await gate.admit(8, stop) for _ in range(3)]
    assert admitted == [0, 0, 0, 0, 3, 3, 3]
    assert not gate.engaged
    assert _gauge(stream) == 0
    assert _engagements(stream) == 1
    events = [entry["event"] for entry in logs]
    assert events == ["backpressure.engaged", "backpressure.released"]
    engaged, released = logs
    assert (engaged["unacked"], engaged["max_unacked"], engaged["stream"]) == (3, 3, stream)
    assert released["unacked"] == 0
    assert released["waited_s"] >= 0


async def test_a_full_gate_waits_one_poll_but_not_past_stop(redis: Redis) -> None:
    """A full gate waits ``poll_s`` before answering 0, and answers at once when stopping.

    Answering at once is judged against an hour-long poll, not a clock: a slow machine
    cannot make it wait the poll.
    """
    await _fill(redis, "out", 1)
    gate = BackpressureGate(redis=redis, budget=_budget(max_entries=1), poll_s=0.2)
    stop = asyncio.Event()
    started = time.monotonic()
    assert await gate.admit(4, stop) == 0
    assert time.monotonic() - started >= 0.2
    stop.set()
    hour_poll = BackpressureGate(redis=redis, budget=_budget(max_entries=1), poll_s=3600)
    assert await asyncio.wait_for(hour_poll.admit(4, stop), timeout=30) == 0


async def test_a_gated_loop_takes_no_command_until_the_output_drains(
    redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the output is full the loop reads and claims nothing; it resumes once drained."""
    readings = _counted_readings(monkeypatch)
    await _fill(redis, "out", 2)
    await redis.xgroup_create("in", "takers", id="0", mkstream=True)
    for n in range(3):
        await redis.xadd("in", {"n": str(n)})
    reader = GroupReader(redis=redis, stream="in", group="takers", consumer="t1", block_ms=10)
    taken: list[bytes] = []
    all_taken = asyncio.Event()

    async def handle(message: Numbered) -> Handled:
        taken.append(message.n)
        if len(taken) == 3:
            all_taken.set()
        return Handled()

    gate = BackpressureGate(redis=redis, budget=_budget(max_entries=2), poll_s=0.01)
    settings = LoopSettings(count=8, claim_idle_ms=20, max_deliveries=2, claim_every_s=0.01)
    loop = ConsumerLoop(reader, each_numbered(handle), settings, gate=gate)
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run_until(stop))
    # 31 readings of the full output, each followed by a 10 ms poll: many polls, at least
    # 0.3 s, longer than claim_idle, however slow the machine. Nothing may be taken (a
    # command taken ends the wait at once, to fail below).
    await wait_until_async(lambda: len(readings) >= 31 or bool(taken), timeout_s=30)
    (group,) = await redis.xinfo_groups("in")
    assert (taken, group["pending"], group["lag"]) == ([], 0, 3)
    await redis.xreadgroup("drainers", "d1", {"out": ">"}, count=2)
    await redis.xack("out", "drainers", *[e[0] for e in await redis.xrange("out")])
    await asyncio.wait_for(all_taken.wait(), timeout=5)
    stop.set()
    await task
    assert sorted(taken) == [b"0", b"1", b"2"]


async def test_adding_waits_for_room_then_goes_through_once(
    redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry waits while the stream is full and goes in once the group acknowledges."""
    readings = _counted_readings(monkeypatch)
    stream = f"out-{uuid.uuid4().hex[:8]}"
    await _fill(redis, stream, 2)
    gate = BackpressureGate(redis=redis, budget=_budget(max_entries=2, stream=stream), poll_s=0.01)
    added = asyncio.Event()

    async def add() -> None:
        async with gate.room_for_entry(100, asyncio.Event()):
            await redis.xadd(stream, {"n": "new"})
        added.set()

    with capture_logs() as logs:
        adding = asyncio.create_task(add())
        # Many polls of a full stream; an entry added meanwhile ends the wait, to fail below.
        await wait_until_async(lambda: len(readings) >= 20 or added.is_set(), timeout_s=30)
        assert (added.is_set(), gate.engaged, await redis.xlen(stream)) == (False, True, 2)
        await redis.xreadgroup("drainers", "d1", {stream: ">"}, count=1)
        await redis.xack(stream, "drainers", (await redis.xrange(stream))[0][0])
        await asyncio.wait_for(adding, timeout=5)
    assert (await redis.xlen(stream), gate.engaged) == (3, False)
    assert [entry["event"] for entry in logs] == ["backpressure.engaged", "backpressure.released"]


async def test_adding_goes_through_on_stop(redis: Redis) -> None:
    """A stopping consumer adds the entry it holds rather than wait for writers."""
    await _fill(redis, "out", 1)
    gate = BackpressureGate(redis=redis, budget=_budget(max_entries=1), poll_s=3600)
    stop = asyncio.Event()
    stop.set()
    async with asyncio.timeout(30), gate.room_for_entry(100, stop):
        await redis.xadd("out", {"n": "last"})
    assert await redis.xlen("out") == 2
