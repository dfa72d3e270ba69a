"""The consumer loop every worker runs: it owns the stream protocol.

The loop keeps work in hand and takes more as soon as there is room, until stopped. A
consumer that handles each message on its own (``EachMessage``, the fetcher) keeps up to
``count`` entries in flight and takes a new one as soon as any finishes, so one slow
entry never idles the others' slots; one that handles whole batches (``WholeBatch``, the
writer: one transaction each) takes the next batch once the one in hand is done; when
new entries were waiting but fewer than a full batch, it reads on for up to ``linger_s``
before it starts the batch (an entry that comes to an idle stream goes at once). Entries
come from ``Intake`` (this consumer's own backlog, entries a dead consumer left idle,
new ones; see ``intake.py``) and go to ``Dispatcher`` (decode, call the handler, act on
its outcome; see ``dispatch.py``). What a handler fails on stays pending: it is taken
over after ``claim_idle`` and, past ``max_deliveries`` failed handlings, dead-lettered.
While work is in hand its entries are re-claimed regularly (``XCLAIM ... JUSTID``, see
``inflight.py``), so slow but live work is never stolen. On stop, nothing new is started
and the work in hand gets ``grace_s`` to finish; anything still pending for this
consumer is then requeued, so nothing waits on a consumer that is gone. With a
backpressure gate, new entries (read or taken over) are taken only while the stream the
handler feeds has room; while it has none the loop reads and claims nothing. Entries
already in hand that wait for room are kept claimed like any slow work, so none is taken
over or counted as a failed delivery.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Generic

import structlog
from redis.exceptions import RedisError

from shared.resilience.backoff import Backoff
from shared.streams.attempts import failed_handlings
from shared.streams.backpressure import BackpressureGate, entry_bytes
from shared.streams.codec import StreamEntry
from shared.streams.consumer import GroupReader
from shared.streams.dispatch import Dispatcher
from shared.streams.handler import Consumer, M, WholeBatch
from shared.streams.heartbeat import Heartbeat
from shared.streams.inflight import InFlight
from shared.streams.intake import Intake
from shared.streams.publisher import requeue
from shared.streams.sizing import BatchSizer
from shared.streams.trim import trim_acknowledged

log = structlog.get_logger()


@dataclass(frozen=True)
class LoopSettings:
    """How a consumer reads, reclaims, trims and stops."""

    count: int  # entries in hand at once: in flight one by one, or in one batch
    claim_idle_ms: int
    max_deliveries: int
    grace_s: float = 8.0
    max_batch_bytes: int | None = None  # read fewer entries when they are large
    claim_every_s: float = 2.0
    trim_every_s: float = 2.0  # streams stay near what is still unacknowledged
    # ... and sooner once this much has been settled: a gate that measures the stream's
    # memory (the fetchers', on the pages) opens when settled entries are trimmed away.
    trim_after_bytes: int = 1024 * 1024
    # A whole batch of waiting entries short of ``count`` waits up to this long for more:
    # one handling of several costs about what one of a single entry does.
    linger_s: float = 0.0

    @property
    def keep_every_s(self) -> float:
        """How often entries in hand are re-claimed: well within ``claim_idle``."""
        return max(self.claim_idle_ms / 3000, 0.01)


@dataclass
class ConsumerLoop(Generic[M]):
    """One consumer's loop over its group."""

    reader: GroupReader
    consumer: Consumer[M]
    settings: LoopSettings
    heartbeat: Heartbeat = field(default_factory=Heartbeat)
    gate: BackpressureGate | None = None  # holds back while the output stream is full
    _next_trim: float = field(default=0.0, init=False)
    _sizer: BatchSizer = field(init=False)
    _dispatcher: Dispatcher[M] = field(init=False)
    _intake: Intake = field(init=False)
    _work: InFlight = field(init=False)

    def __post_init__(self) -> None:
        settings = self.settings
        self._sizer = BatchSizer(settings.count, settings.max_batch_bytes)
        self._dispatcher = Dispatcher(self.reader, self.consumer, self.gate)
        self._intake = Intake(
            self.reader,
            claim_idle_ms=settings.claim_idle_ms,
            max_deliveries=settings.max_deliveries,
            claim_every_s=settings.claim_every_s,
            gate=self.gate,
        )
        self._work = InFlight(self.reader, keep_every_s=settings.keep_every_s)

    async def run_until(self, stop: asyncio.Event) -> None:
        """Consume until ``stop`` is set, then hand back what is still held."""
        backoff = Backoff(stop)
        async with self._work.kept_claimed():
            while not stop.is_set():
                self.heartbeat.touch()
                try:
                    await self._turn(stop)
                    backoff.succeeded()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    await self._after_failure(exc, backoff)
            await self._work.finish_within(self.settings.grace_s)
        await self._release_held()

    async def _turn(self, stop: asyncio.Event) -> None:
        """Settle what ended, then take more work if there is room, else wait for room."""
        failed = self._work.reap()
        if failed:
            raise failed[0]  # the others are alike (Redis away); their entries stay pending
        await self._maybe_trim()  # before a read that may block: settled entries go first
        room = self._room()
        if room == 0:
            await self._work.wait_any(self.settings.keep_every_s, stop)
            return
        # With work in hand, a read waits no longer than the next re-claim is due.
        block_ms = min(self.reader.block_ms, int(self.settings.keep_every_s * 1000))
        whole = isinstance(self.consumer.handler, WholeBatch)
        entries = await self._intake.take(
            room,
            stop,
            busy=self._work.entry_ids(),
            block_ms=block_ms if self._work else None,
            # Entries gathered are not kept claimed yet: never long enough to be taken over.
            linger_s=min(self.settings.linger_s, self.settings.keep_every_s) if whole else 0.0,
        )
        self._sizer.observe(entries)
        if entries and not stop.is_set():  # taken while stopping: handed back, not started
            self._start(entries, stop)

    def _room(self) -> int:
        """How many entries to take now: a batch once the one in hand is done, or one per
        free slot when each entry is handled on its own."""
        wanted = self._sizer.next_count()
        if isinstance(self.consumer.handler, WholeBatch):
            return 0 if self._work else wanted
        return max(min(wanted, self.settings.count - len(self._work)), 0)

    def _start(self, entries: list[StreamEntry], stop: asyncio.Event) -> None:
        units = (
            [entries]
            if isinstance(self.consumer.handler, WholeBatch)
            else [[entry] for entry in entries]
        )
        for unit in units:
            ids = [entry_id for entry_id, _ in unit]
            size = sum(entry_bytes(fields) for _, fields in unit)
            self._work.start(ids, self._dispatcher.dispatch(unit, stop), size)

    async def _maybe_trim(self) -> None:
        now = time.monotonic()
        if now < self._next_trim and self._work.settled_bytes < self.settings.trim_after_bytes:
            return
        self._next_trim = now + self.settings.trim_every_s
        self._work.settled_bytes = 0
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
