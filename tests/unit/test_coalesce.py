"""Lookups waiting together share one batched call; each caller sees only its own answer."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Mapping

import pytest

from services.api.coalesce import Coalescer

WAIT_S = 2.0


class Store:
    """A fetch that answers the even keys and records every batch it was asked.

    ``release`` holds the answers back; ``failing`` names the calls (by their order) that
    raise ``fail_with``.
    """

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.failing: set[int] = set()
        self.fail_with: BaseException = OSError("connection lost")
        self.release = asyncio.Event()
        self.release.set()
        self.running = 0
        self.most_running = 0
        self._asked = asyncio.Condition()

    async def fetch(self, keys: list[int]) -> Mapping[int, str]:
        call = len(self.batches)
        async with self._asked:
            self.batches.append(keys)
            self._asked.notify_all()
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        try:
            await self.release.wait()
        finally:
            self.running -= 1
        if call in self.failing:
            raise self.fail_with
        return {key: f"v{key}" for key in keys if key % 2 == 0}

    async def asked(self, calls: int) -> None:
        """Until ``calls`` batches were asked for."""
        async with self._asked:
            await asyncio.wait_for(self._asked.wait_for(lambda: len(self.batches) >= calls), WAIT_S)


def reads_of(store: Store, *, max_batch: int = 32, max_running: int = 4) -> Coalescer[int, str]:
    return Coalescer(store.fetch, max_batch=max_batch, max_running=max_running)


async def test_lookups_of_one_turn_share_one_call() -> None:
    """Five callers, two of them for the same key: one call with four keys."""
    store = Store()
    reads = reads_of(store)
    answers = await asyncio.gather(*(reads.get(key) for key in (2, 3, 4, 2, 6)))
    assert answers == ["v2", None, "v4", "v2", "v6"]  # a key not found is None
    assert store.batches == [[2, 3, 4, 6]]


async def test_a_call_holds_at_most_max_batch_keys() -> None:
    store = Store()
    reads = reads_of(store, max_batch=4)
    answers = await asyncio.gather(*(reads.get(key) for key in range(10)))
    assert answers == [f"v{k}" if k % 2 == 0 else None for k in range(10)]
    assert [len(batch) for batch in store.batches] == [4, 4, 2]


async def test_no_more_than_max_running_calls_are_out_at_once() -> None:
    """The rest wait for a call to end, then go: what is in flight stays bounded."""
    store = Store()
    store.release.clear()
    reads = reads_of(store, max_batch=2, max_running=2)
    lookups = asyncio.gather(*(reads.get(key) for key in range(10)))
    await store.asked(2)
    for _ in range(3):  # turns enough for a third call to be sent, were one allowed
        await asyncio.sleep(0)
    assert len(store.batches) == 2
    store.release.set()
    assert await lookups == [f"v{k}" if k % 2 == 0 else None for k in range(10)]
    assert (len(store.batches), store.most_running) == (5, 2)


async def test_a_lookup_while_a_call_is_out_goes_in_the_next() -> None:
    store = Store()
    store.release.clear()
    reads = reads_of(store)
    first = asyncio.create_task(reads.get(2))
    await store.asked(1)
    second = asyncio.create_task(reads.get(4))
    await store.asked(2)
    store.release.set()
    assert (await first, await second) == ("v2", "v4")
    assert store.batches == [[2], [4]]


async def test_an_error_reaches_the_callers_of_its_call_and_no_other() -> None:
    """Two calls sent together, the first fails; then a later call is asked afresh."""
    store = Store()
    store.failing = {0}
    reads = reads_of(store, max_batch=2)
    answers = await asyncio.gather(*(reads.get(k) for k in (2, 4, 6, 8)), return_exceptions=True)
    assert [type(answer) for answer in answers[:2]] == [OSError, OSError]
    assert answers[2:] == ["v6", "v8"]
    assert await reads.get(2) == "v2"


async def test_a_cancelled_call_fails_its_callers_rather_than_leaving_them_waiting() -> None:
    store = Store()
    store.failing, store.fail_with = {0}, asyncio.CancelledError()
    reads = reads_of(store)
    with pytest.raises(ConnectionError):
        await asyncio.wait_for(reads.get(2), WAIT_S)
    assert await reads.get(4) == "v4"


async def test_a_cancelled_caller_leaves_the_others_their_answers() -> None:
    store = Store()
    store.release.clear()
    reads = reads_of(store)
    leaving = asyncio.create_task(reads.get(2))
    staying = asyncio.create_task(reads.get(4))
    await store.asked(1)
    leaving.cancel()
    store.release.set()
    assert await staying == "v4"
    with pytest.raises(asyncio.CancelledError):
        await leaving


async def test_a_caller_cancelled_before_the_call_is_sent_is_not_asked_for() -> None:
    store = Store()
    reads = reads_of(store)
    leaving = asyncio.create_task(reads.get(8))
    staying = asyncio.create_task(reads.get(4))
    await asyncio.sleep(0)  # both are waiting; the call goes on the next turn
    leaving.cancel()
    assert await staying == "v4"
    assert store.batches == [[4]]


_CALLER: contextvars.ContextVar[str] = contextvars.ContextVar("caller")


async def test_a_call_runs_in_no_callers_context() -> None:
    """A line logged while serving a batch must not name whichever request came first."""
    seen: list[str | None] = []

    async def fetch(keys: list[int]) -> Mapping[int, str]:
        seen.append(_CALLER.get(None))
        return {key: "v" for key in keys}

    reads: Coalescer[int, str] = Coalescer(fetch, max_batch=32, max_running=4)

    async def read_as(caller: str, key: int) -> str | None:
        _CALLER.set(caller)
        return await reads.get(key)

    assert await asyncio.gather(read_as("first", 1), read_as("second", 2)) == ["v", "v"]
    assert seen == [None]
