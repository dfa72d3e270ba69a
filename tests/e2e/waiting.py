"""Waiting in tests: always on a condition, always with a deadline, never a bare sleep."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

POLL_S = 0.05


def wait_until(
    condition: Callable[[], bool],
    *,
    timeout_s: float,
    what: str,
    details: Callable[[], str] = lambda: "",
) -> float:
    """Poll ``condition`` until it holds; the seconds it took. Fails naming ``what``."""
    started = time.monotonic()
    deadline = started + timeout_s
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: not within {timeout_s}s\n{details()}")
        time.sleep(POLL_S)
    return time.monotonic() - started


async def wait_until_async(
    condition: Callable[[], bool], *, timeout_s: float = 5.0, poll_s: float = 0.01
) -> None:
    """Poll ``condition`` until it holds, yielding to the event loop between polls (so the
    tasks that make it hold run); fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(f"condition not met within {timeout_s}s")
        await asyncio.sleep(poll_s)
