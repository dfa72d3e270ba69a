"""The work a consumer has in hand: one task per unit (an entry, or a whole batch).

While any unit runs, a keeper re-claims all their entries every third of ``claim_idle``
(``XCLAIM ... JUSTID``), beside the loop: whatever the loop waits on (a blocking read,
the gate, a pause after a failure), slow but live work is never taken over. On stop, the
units in hand get ``grace_s`` to finish; those still running are then cancelled, and
their entries stay pending for the loop to hand back.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field
from typing import Any

import structlog
from redis.exceptions import RedisError

from shared.streams.consumer import GroupReader

log = structlog.get_logger()


@dataclass
class InFlight:
    """Units being handled, each with the ids of its entries."""

    reader: GroupReader
    keep_every_s: float
    # Each unit's entry ids, and about how many bytes they take in the stream.
    _units: dict[asyncio.Task[None], tuple[list[bytes], int]] = field(
        default_factory=dict, init=False
    )
    settled_bytes: int = field(default=0, init=False)  # of units that ended without an error

    def __len__(self) -> int:
        return len(self._units)

    def entry_ids(self) -> set[bytes]:
        """The ids of every entry in hand."""
        return {entry_id for ids, _ in self._units.values() for entry_id in ids}

    def start(self, entry_ids: list[bytes], work: Coroutine[Any, Any, None], size: int = 0) -> None:
        """Run ``work`` for these entries (about ``size`` bytes in the stream) as one unit."""
        self._units[asyncio.create_task(work)] = (entry_ids, size)

    def reap(self) -> list[BaseException]:
        """Forget the units that ended; the errors they could not settle."""
        errors: list[BaseException] = []
        for task in [task for task in self._units if task.done()]:
            _, size = self._units.pop(task)
            error = None if task.cancelled() else task.exception()
            if error is not None:
                errors.append(error)
            elif not task.cancelled():
                self.settled_bytes += size
        return errors

    async def wait_any(self, timeout_s: float, stop: asyncio.Event) -> None:
        """Return when a unit ends, when ``stop`` is set, or after ``timeout_s``."""
        if stop.is_set():
            return
        stopped = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait(
                {*self._units, stopped}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            stopped.cancel()

    async def finish_within(self, grace_s: float) -> None:
        """Give every unit in hand ``grace_s`` to end, then cancel those still running."""
        if not self._units:
            return
        _, running = await asyncio.wait(set(self._units), timeout=grace_s)
        if running:
            log.warning(
                "stream.batch_interrupted",
                stream=self.reader.stream,
                entries=sum(len(self._units[task][0]) for task in running),
            )
            await _cancel(running)
        self.reap()

    @contextlib.asynccontextmanager
    async def kept_claimed(self) -> AsyncIterator[InFlight]:
        """Keep the entries in hand claimed while the block runs; cancel what is left after."""
        keeper = asyncio.create_task(self._keep_claimed())
        try:
            yield self
        finally:
            await _cancel({keeper})
            await _cancel(set(self._units))  # only when the loop itself was cancelled
            self._units.clear()

    async def _keep_claimed(self) -> None:
        while True:
            await asyncio.sleep(self.keep_every_s)
            ids = self.entry_ids()
            if not ids:
                continue
            try:
                await self.reader.keep_claimed(sorted(ids))
            except (RedisError, OSError) as exc:  # the loop sees Redis fail and backs off
                log.warning("stream.keep_claimed_failed", error=f"{type(exc).__name__}: {exc}")


async def _cancel(tasks: set[asyncio.Task[None]]) -> None:
    """Cancel ``tasks`` and wait until each has ended.

    Asked again until it takes: on Python 3.11 ``asyncio.wait_for`` (inside the Redis
    clients) drops a cancellation that arrives as its inner call completes.
    """
    running = {task for task in tasks if not task.done()}
    while running:
        for task in running:
            task.cancel()
        _, running = await asyncio.wait(running, timeout=0.05)
    for task in tasks:
        if not task.cancelled():
            task.exception()  # retrieved: an error at cancel time is not worth a warning
