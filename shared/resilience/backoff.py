"""Waiting after our own parts fail (Redis, MySQL): grow, cap, add jitter, end early on stop.

Every wait of a long-running loop goes through here: ``wait_unless_stopped`` for a
plain pause, ``Backoff`` for the pauses after consecutive failures, and
``retry_until_stopped`` for one call that must succeed before anything else can.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import structlog

_BASE_S = 0.2
_CAP_S = 5.0

_T = TypeVar("_T")

log = structlog.get_logger()


class StoppedWaiting(Exception):
    """Asked to stop while a call kept failing; the last error is its cause."""


def failure_pause_s(consecutive_failures: int) -> float:
    """Seconds to wait after the n-th failure in a row: 0.2, 0.4, ... up to 5, with jitter."""
    exponent = min(max(consecutive_failures - 1, 0), 10)
    delay = min(_CAP_S, _BASE_S * 2.0**exponent)
    return delay * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret


async def wait_unless_stopped(stop: asyncio.Event, seconds: float) -> bool:
    """Wait ``seconds``, or less if ``stop`` is set meanwhile; True when stopped."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=max(seconds, 0.0))
    return stop.is_set()


@dataclass
class Backoff:
    """Consecutive failures of one loop, and the pause after each; ``stop`` cuts it short."""

    stop: asyncio.Event
    failures: int = field(default=0, init=False)

    def succeeded(self) -> None:
        """The loop came round cleanly: the next failure pauses briefly again."""
        self.failures = 0

    async def after_failure(self, event: str, exc: BaseException, **context: Any) -> None:
        """Count the failure, log ``event`` with the error and the pause, then wait it out."""
        self.failures += 1
        pause_s = failure_pause_s(self.failures)
        log.warning(
            event,
            error=f"{type(exc).__name__}: {exc}",
            failures=self.failures,
            pause_s=round(pause_s, 2),
            **context,
        )
        await wait_unless_stopped(self.stop, pause_s)


async def retry_until_stopped(
    attempt: Callable[[], Awaitable[_T]],
    *,
    stop: asyncio.Event,
    retry_if: Callable[[Exception], bool],
    event: str,
) -> _T:
    """Run ``attempt`` until it succeeds, pausing with backoff after each error ``retry_if`` takes.

    Other errors propagate. A failure once ``stop`` is set raises ``StoppedWaiting``
    from it: the caller is finishing, and waiting longer would hold up the stop.
    """
    backoff = Backoff(stop)
    while True:
        try:
            return await attempt()
        except Exception as exc:
            if not retry_if(exc):
                raise
            if stop.is_set():
                raise StoppedWaiting(f"{type(exc).__name__}: {exc}") from exc
            await backoff.after_failure(event, exc)
