"""Taking entries for a consumer loop: its own backlog, stale entries, then new ones.

Entries this consumer already holds from before a reconnect come first: finishing them
beats leaving them idle behind the gate. New work (taken over or never delivered) is
taken only while the backpressure gate admits it. Entries other consumers left idle past
``claim_idle`` are taken over every ``claim_every_s``; those that already failed
``max_deliveries`` times are dead-lettered instead of handled. An entry still in hand
here (``busy``) is never handed out a second time, whichever way it comes back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection
from dataclasses import dataclass, field

import structlog

from shared.streams.attempts import delivery_counts, failed_handlings, last_error
from shared.streams.backpressure import BackpressureGate
from shared.streams.codec import StreamEntry
from shared.streams.consumer import GroupReader
from shared.streams.deadletter import dead_letter

log = structlog.get_logger()


@dataclass
class Intake:
    """Where one consumer's entries come from, in the order it should take them."""

    reader: GroupReader
    claim_idle_ms: int
    max_deliveries: int
    claim_every_s: float
    gate: BackpressureGate | None = None
    _next_claim: float = field(default=0.0, init=False)

    async def take(
        self,
        count: int,
        stop: asyncio.Event,
        *,
        busy: Collection[bytes] = (),
        block_ms: int | None = None,
        linger_s: float = 0.0,
    ) -> list[StreamEntry]:
        """Up to ``count`` entries to handle; a read of new ones blocks up to ``block_ms``.
        With ``linger_s``, new entries found waiting are joined by those that come within
        ``linger_s``, up to ``count``."""
        held = await self.reader.read_held(count)
        if held:
            return _not_in(held, busy)
        if self.gate is not None:
            count = await self.gate.admit(count, stop)
            if count == 0:
                return []
        now = time.monotonic()
        if now >= self._next_claim:
            self._next_claim = now + self.claim_every_s
            claimed = _not_in(await self.reader.claim_stale(self.claim_idle_ms, count), busy)
            if claimed:
                log.info("stream.reclaimed", stream=self.reader.stream, entries=len(claimed))
                live = await self._drop_exhausted(claimed)
                if live:
                    return live
        if linger_s > 0:
            # Entries already waiting mean a busy stream: gather a fuller batch. A read that
            # has to wait for its entry found an idle stream, and its entry goes at once.
            waiting = await self.reader.read_waiting(count)
            if waiting:
                await self._fill(waiting, count, time.monotonic() + linger_s, stop)
                return waiting
        return await self.reader.read_new(count, block_ms=block_ms)

    async def _fill(
        self, entries: list[StreamEntry], count: int, deadline: float, stop: asyncio.Event
    ) -> None:
        """Add new entries to ``entries`` until it holds ``count``, ``deadline`` passes or
        ``stop`` is set."""
        while len(entries) < count and not stop.is_set():
            left_ms = int((deadline - time.monotonic()) * 1000)
            if left_ms < 1:  # BLOCK 0 would wait for ever
                return
            # No read blocks longer than a plain one, so a stop is seen as soon.
            block_ms = min(left_ms, self.reader.block_ms)
            entries.extend(await self.reader.read_new(count - len(entries), block_ms=block_ms))

    async def _drop_exhausted(self, entries: list[StreamEntry]) -> list[StreamEntry]:
        """Dead-letter entries that failed ``max_deliveries`` times already; return the rest."""
        redis, stream = self.reader.redis, self.reader.stream
        counts = await delivery_counts(redis, stream, self.reader.group, [e[0] for e in entries])
        live: list[StreamEntry] = []
        for entry_id, fields in entries:
            failed = failed_handlings(fields, counts.get(entry_id, 1))
            if failed < self.max_deliveries:
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


def _not_in(entries: list[StreamEntry], busy: Collection[bytes]) -> list[StreamEntry]:
    # Our own work in hand shows up in a backlog pass after a reconnect, or in a takeover
    # when keeping it claimed failed for a while: it is being handled already.
    if not busy:
        return entries
    return [(entry_id, fields) for entry_id, fields in entries if entry_id not in busy]
