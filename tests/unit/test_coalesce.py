"""Lookups of one loop turn share one batched call; each caller sees only its own answer."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest

from services.api.coalesce import Coalescer


class Store:
    """A fetch that answers the even keys and records every batch it was asked."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.fail_next = False
        self.release = asyncio.Event()
        self.release.set()

    async def fetch(self, keys: list[int]) -> Mapping[int, str]:
        self.batches.append(keys)
        await self.release.wait()
        if self.fail_next:
            self.fail_next = False
            raise OSError("connection lost")
        return {key: f"v{key}" for key in keys if key % 2 == 0}


async def test_lookups_of_one_turn_share_one_call() -> None:
    """Five callers, one of them twice for the same key: one call with four keys."""
    store = Store()
    reads = Coalescer(store.fetch, max_batch=32)
    answers = await asyncio.gather(*(reads.get(key) for key in (2, 3, 4, 2, 6)))
    assert answers == ["v2", None, "v4", "v2", "v6"]  # a key not found is None
    assert store.batches == [[2, 3, 4, 6]]


async def test_a_batch_holds_at_most_max_batch_callers() -> None:
    store = Store()
    reads = Coalescer(store.fetch, max_batch=4)
    answers = await asyncio.gather(*(reads.get(key) for key in range(10)))
    assert answers == [f"v{k}" if k % 2 == 0 else None for k in range(10)]
    assert [len(batch) for batch in store.batches] == [4, 4, 2]


async def test_a_lookup_while_a_batch_is_out_goes_in_the_next() -> None:
    store = Store()
    store.release.clear()
    reads = Coalescer(store.fetch, max_batch=32)
    first = asyncio.create_task(reads.get(2))
    while not store.batches:
        await asyncio.sleep(0)
    second = asyncio.create_task(reads.get(4))
    while len(store.batches) < 2:
        await asyncio.sleep(0)
    store.release.set()
    assert (await first, await second) == ("v2", "v4")
    assert store.batches == [[2], [4]]


async def test_an_error_reaches_every_caller_of_its_batch_and_no_other() -> None:
    store = Store()
    store.fail_next = True
    reads = Coalescer(store.fetch, max_batch=32)
    failed = await asyncio.gather(reads.get(2), reads.get(4), return_exceptions=True)
    assert [type(answer) for answer in failed] == [OSError, OSError]
    assert await reads.get(2) == "v2"  # the next batch is asked afresh


async def test_a_cancelled_caller_leaves_the_others_their_answers() -> None:
    store = Store()
    store.release.clear()
    reads = Coalescer(store.fetch, max_batch=32)
    leaving = asyncio.create_task(reads.get(2))
    staying = asyncio.create_task(reads.get(4))
    while not store.batches:
        await asyncio.sleep(0)
    leaving.cancel()
    store.release.set()
    assert await staying == "v4"
    with pytest.raises(asyncio.CancelledError):
        await leaving


async def test_a_caller_cancelled_before_the_batch_is_sent_is_not_asked_for() -> None:
    store = Store()
    reads = Coalescer(store.fetch, max_batch=32)
    leaving = asyncio.create_task(reads.get(8))
    staying = asyncio.create_task(reads.get(4))
    await asyncio.sleep(0)  # both are waiting; the batch goes on the next turn
    leaving.cancel()
    assert await staying == "v4"
    assert store.batches == [[4]]
