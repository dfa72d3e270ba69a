"""The consumer loop every worker runs: read a batch, hand it over, repeat until stopped.

The handler acknowledges what it made durable. A batch that raises stays pending
and is read again (own pending entries first) after a pause.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

import structlog

from shared.resilience.backoff import failure_pause_s
from shared.streams.codec import StreamEntry
from shared.streams.consumer import GroupReader

BatchHandler = Callable[[list[StreamEntry]], Awaitable[None]]

log = structlog.get_logger()


async def consume(
    reader: GroupReader,
    handle: BatchHandler,
    *,
    count: int,
    stop: asyncio.Event,
    claim_idle_ms: int,
    claim_every_s: float = 5.0,
) -> None:
    """Run until ``stop`` is set; the batch in hand is finished before returning."""
    failures = 0
    next_claim = time.monotonic() + claim_every_s
    while not stop.is_set():
        try:
            if time.monotonic() >= next_claim:
                next_claim = time.monotonic() + claim_every_s
                entries = await reader.claim_stale(claim_idle_ms, count)
                if entries:
                    log.info("stream.reclaimed", stream=reader.stream, entries=len(entries))
            else:
                entries = []
            if not entries:
                entries = await reader.read(count)
            if entries:
                await handle(entries)
            failures = 0
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            failures += 1
            reader.recover_pending()
            pause = failure_pause_s(failures)
            log.warning(
                "stream.batch_failed",
                stream=reader.stream,
                error=f"{type(exc).__name__}: {exc}",
                failures=failures,
                pause_s=round(pause, 2),
            )
            await _sleep_unless_stopped(stop, pause)


async def _sleep_unless_stopped(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
