"""Background writes: owned until they end, waited for at stop, cancelled past the grace."""

from __future__ import annotations

import asyncio

from shared.db.background import finish_background, in_background


async def test_stop_waits_for_a_write_its_starter_never_awaited() -> None:
    done: list[str] = []

    async def write() -> None:
        await asyncio.sleep(0.01)
        done.append("saved")

    in_background(write())  # its starter keeps no handle on it
    await finish_background(timeout_s=5)
    assert done == ["saved"]


async def test_stop_waits_for_running_writes_and_cancels_a_hung_one() -> None:
    finished: list[str] = []
    cancelled: list[str] = []

    async def quick() -> None:
        await asyncio.sleep(0.01)
        finished.append("quick")

    async def hung() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append("hung")
            raise

    quick_task, hung_task = in_background(quick()), in_background(hung())
    await finish_background(timeout_s=0.2)
    assert finished == ["quick"]
    assert cancelled == ["hung"]
    assert quick_task.done()
    assert hung_task.cancelled()


async def test_nothing_running_returns_at_once() -> None:
    await asyncio.wait_for(finish_background(timeout_s=60), timeout=1)
