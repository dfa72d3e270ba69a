"""The consumer loop every worker runs: it owns the stream protocol.

Read a batch (or take over entries a dead consumer left idle), hand it to
``Dispatcher`` (decode, call the service's handler, act on its outcome; see
``dispatch.py``), repeat until stopped. What a handler fails on stays pending: it is
taken over after ``claim_idle`` and, past ``max_deliveries`` failed handlings,
dead-lettered. While a batch is in hand its entries are re-claimed regularly
(``XCLAIM ... JUSTID``), so slow but live work is never stolen. On stop, the batch in
hand gets ``grace_s`` to finish; anything still pending for this consumer is then
requeued, so nothing waits on a consumer that is gone. With a backpressure gate, new
entries (read or taken over) are taken only while the stream the handler feeds has
room; while it has none the loop reads and claims nothing. Entries already in hand that
wait for room are kept claimed like any slow work, so none is taken over or counted as
a failed delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Generic

import structlog
from redis.exceptions import RedisError

from shared.resilience.backoff import Backoff
from shared.streams.attempts import delivery_counts, failed_handlings, last_error
from shared.streams.backpressure import BackpressureGate
from shared.streams.codec import StreamEntry
from shared.streams.consumer import GroupReader
from shared.streams.deadletter import dead_letter
from shared.streams.dispatch import Dispatcher
from shared.streams.handler import Consumer, M
from shared.streams.heartbeat import Heartbeat
from shared.streams.publisher import requeue
from shared.streams.sizing import BatchSizer
from shared.streams.trim import trim_acknowledged

log = structlog.get_logger()


@dataclass(frozen=True)
class LoopSettings:
    """How a consumer reads, reclaims, trims and stops."""

    count: int
    claim_idle_ms: int
    max_deliveries: int
    grace_s: float = 8.0
    max_batch_bytes: int | None = None  # read fewer entries when they are large
    claim_every_s: float = 2.0
    trim_every_s: float = 2.0  # streams stay near what is still unacknowledged


@dataclass
class ConsumerLoop(Generic[M]):
    """One consumer's loop over its group."""

    reader: GroupReader
    consumer: Consumer[M]
    settings: LoopSettings
    heartbeat: Heartbeat = field(default_factory=Heartbeat)
    gate: BackpressureGate | None = None  # holds back while the output stream is full
    _next_claim: float = field(default=0.0, init=False)
    _next_trim: float = field(default=0.0, init=False)
    _sizer: BatchSizer = field(init=False)
    _dispatcher: Dispatcher[M] = field(init=False)

    def __post_init__(self) -> None:
        self._sizer = BatchSizer(self.settings.count, self.settings.max_batch_bytes)
        self._dispatcher = Dispatcher(self.reader, self.consumer, self.gate)

    async def run_until(self, stop: asyncio.Event) -> None:
        """Consume until ``stop`` is set, then hand back what is still held."""
        backoff = Backoff(stop)
        while not stop.is_set():
            self.heartbeat.touch()
            try:
                entries = await self._next_batch(stop)
                if entries:
                    await self._handle(entries, stop)
                await self._maybe_trim()
                backoff.succeeded()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                await self._after_failure(exc, backoff)
        await self._release_held()

    async def _next_batch(self, stop: asyncio.Event) -> list[StreamEntry]:
        entries = await self._claim_or_read(self._sizer.next_count(), stop)
        self._sizer.observe(entries)
        return entries

    async def _claim_or_read(self, count: int, stop: asyncio.Event) -> list[StreamEntry]:
        held = await self.reader.read_held(count)
        if held:  # already ours: finishing them beats leaving them idle behind the gate
            return held
        if self.gate is not None:
            count = await self.gate.admit(count, stop)
            if count == 0:
                return []
        now = time.monotonic()
        if now >= self._next_claim:
            self._next_claim = now + self.settings.claim_every_s
            claimed = await self.reader.claim_stale(self.settings.claim_idle_ms, count)
            if claimed:
                log.info("stream.reclaimed", stream=self.reader.stream, entries=len(claimed))
                live = await self._drop_exhausted(claimed)
                if live:
                    return live
        return await self.reader.read_new(count)

    async def _drop_exhausted(self, entries: list[StreamEntry]) -> list[StreamEntry]:
        """Dead-letter entries that failed ``max_deliveries`` times already; return the rest."""
        redis, stream = self.reader.redis, self.reader.stream
        counts = await delivery_counts(redis, stream, self.reader.group, [e[0] for e in entries])
        live: list[StreamEntry] = []
        for entry_id, fields in entries:
            failed = failed_handlings(fields, counts.get(entry_id, 1))
            if failed < self.settings.max_deliveries:
                live.append((entry_id, fields))
                continue
            error = await last_error(redis, stream, entry_id) or "unknown error"
            await dead_letter(redis, self.reader, entry_id, fields, error, deliveries=failed)
            log.warning(
                "stream.dead_lettered",
                stream=stream,
                entry_id=entry_id.decode(),
                deliveries=failed,
                error=error,
            )
        return live

    async def _handle(self, entries: list[StreamEntry], stop: asyncio.Event) -> None:
        """Dispatch the batch while keeping its entries claimed; re-raise what it could not settle.

        On stop, the batch gets ``grace_s`` to finish; then it is cancelled and its entries
        stay pending, to be requeued by ``_release_held``.
        """
        task = asyncio.create_task(self._dispatcher.dispatch(entries, stop))
        stopped = asyncio.create_task(stop.wait())
        heartbeat_s = max(self.settings.claim_idle_ms / 3000, 0.01)
        try:
            while not task.done():
                await asyncio.wait(
                    {task, stopped}, timeout=heartbeat_s, return_when=asyncio.FIRST_COMPLETED
                )
                if task.done():
                    break
                if stop.is_set():
                    await self._finish_within_grace(task)
                    break
                self.heartbeat.touch()  # slow work in hand is still a live loop
                await self.reader.keep_claimed([entry_id for entry_id, _ in entries])
        finally:
            stopped.cancel()
        error = None if task.cancelled() else task.exception()
        if error is not None:
            raise error

    async def _finish_within_grace(self, task: asyncio.Task[None]) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(task), timeout=self.settings.grace_s)
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            log.warning("stream.batch_interrupted", stream=self.reader.stream)

    async def _maybe_trim(self) -> None:
        now = time.monotonic()
        if now < self._next_trim:
            return
        self._next_trim = now + self.settings.trim_every_s
        removed = await trim_acknowledged(self.reader.redis, self.reader.stream)
        if removed:
            log.debug("stream.trimmed", stream=self.reader.stream, removed=removed)

    async def _after_failure(self, exc: Exception, backoff: Backoff) -> None:
        if isinstance(exc, RedisError | OSError):
            self.reader.recover_pending()  # a lost reply may have delivered entries to us
        await backoff.after_failure("stream.batch_failed", exc, stream=self.reader.stream)

    async def _release_held(self) -> None:
        """Requeue what this consumer still holds, then leave the group."""
        try:
            held = await self.reader.held_entries()
            for entry_id, fields, delivered in held:
                if not fields:  # trimmed while pending: nothing to hand back
                    await self.reader.ack([entry_id])
                    continue
                await requeue(
                    self.reader.redis,
                    stream=self.reader.stream,
                    group=self.reader.group,
                    entry_id=entry_id,
                    fields=fields,
                    failures=failed_handlings(fields, delivered),
                )
            if held:
                log.info("stream.requeued_on_stop", stream=self.reader.stream, entries=len(held))
            await self.reader.leave_group()
        except (RedisError, OSError) as exc:
            log.warning("stream.release_failed", error=f"{type(exc).__name__}: {exc}")
