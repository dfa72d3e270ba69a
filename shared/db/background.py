"""Writes that run beside the work that started them, owned until they end.

The event loop keeps only a weak reference to a task: one that nobody else holds can be
collected half done. A write started here stays referenced until it ends, whether or
not its starter ever waits for it, and a service waits for the ones still running
before it closes what they write to.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import structlog

log = structlog.get_logger()

_running: set[asyncio.Task[None]] = set()


def in_background(write: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    """Start ``write`` as a task that stays referenced until it ends."""
    task = asyncio.create_task(write)
    _running.add(task)
    task.add_done_callback(_running.discard)
    return task


async def finish_background(timeout_s: float) -> None:
    """Wait up to ``timeout_s`` for this loop's background writes; cancel what is left."""
    loop = asyncio.get_running_loop()
    mine = {task for task in _running if task.get_loop() is loop}
    if not mine:
        return
    _, left = await asyncio.wait(mine, timeout=timeout_s)
    for task in left:
        task.cancel()
    if left:
        await asyncio.wait(left, timeout=timeout_s)  # a write may be slow to unwind
        log.warning("background.cancelled", writes=len(left))
