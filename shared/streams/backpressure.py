"""Backpressure: a producer takes new work only while the stream it feeds has room.

The room is measured on the stream and the group that drains it, from Redis itself,
each time it is asked, in one script: the entries the group has not acknowledged
(``XINFO GROUPS``: ``lag`` + ``pending``) and the bytes the stream takes
(``MEMORY USAGE ... SAMPLES 0``).
Nothing is counted on the side, so there is nothing to drift when a process dies between
two commands, when entries are redelivered, requeued or dead-lettered, or when Redis
loses its data.

The gate is asked twice: before a consumer takes new work (``admit``: a full stream
means take nothing, so nothing waits held), and before the work in hand adds its entry
(``room_for_entry``: work taken while there was room waits for room again, so the
stream overshoots its budget by about one entry per process). A gate that finds the
stream full waits one poll and asks again; it logs once when it engages and once when
it releases, and shows its state as a gauge.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from redis.asyncio import Redis

from shared.observability.metrics import BACKPRESSURE, BACKPRESSURE_ENGAGED
from shared.resilience.backoff import wait_unless_stopped

log = structlog.get_logger()


@dataclass(frozen=True)
class StreamBudget:
    """How much of ``stream`` its consumer ``group`` may leave unacknowledged; 0 is no limit."""

    stream: str
    group: str
    max_entries: int
    max_bytes: int


@dataclass(frozen=True)
class StreamBacklog:
    """One reading of a stream: what its group has not acknowledged, and its size."""

    unacked: int  # entries the group has not been given yet or not acknowledged
    length: int  # XLEN: also counts acknowledged entries not trimmed yet
    memory_bytes: int | None  # None when Redis does not answer MEMORY USAGE


# One reading in one call: the three numbers, not the whole of XINFO GROUPS, come back
# (a pipeline of the three commands cost a fetcher 2.5 times the CPU per reading).
_READ_BACKLOG = """
local stream, group = KEYS[1], ARGV[1]
local length = redis.call('XLEN', stream)
local unacked = 0  -- no stream or no group yet: nothing is owed to the group
local groups = redis.pcall('XINFO', 'GROUPS', stream)
if not groups.err then
  for _, info in ipairs(groups) do
    local fields = {}
    for i = 1, #info, 2 do fields[info[i]] = info[i + 1] end
    if fields['name'] == group then
      if fields['lag'] then
        unacked = tonumber(fields['lag']) + tonumber(fields['pending'])
      else  -- Redis < 7, or a lag Redis cannot tell after deletions: trimming never
        unacked = length  -- drops an unacknowledged entry, so the length bounds it
      end
    end
  end
end
-- Every node (SAMPLES 0): exact, and cheap for big entries. -1: not answered.
local memory = redis.pcall('MEMORY', 'USAGE', stream, 'SAMPLES', '0')
if type(memory) == 'table' then memory = -1 elseif not memory then memory = 0 end
return {length, unacked, memory}
"""


async def read_backlog(redis: Redis, stream: str, group: str) -> StreamBacklog:
    """Measure ``stream`` for ``group``; a stream or group that does not exist is empty."""
    reply: Any = await redis.eval(_READ_BACKLOG, 1, stream, group)
    length, unacked, memory = (int(value) for value in reply)
    return StreamBacklog(
        unacked=unacked, length=length, memory_bytes=None if memory < 0 else memory
    )


def room_for(budget: StreamBudget, backlog: StreamBacklog, wanted: int) -> int:
    """How many of ``wanted`` new entries fit the budget: 0 when it is spent.

    By bytes, the room is estimated from the stream's mean entry size. When not even one
    more mean entry fits, the room is 0 while the group still owes entries (acknowledging
    them makes room), else 1: trimming keeps the last entry read, and an entry bigger
    than the whole budget must still go through once the stream has drained.
    """
    room = wanted
    if budget.max_entries:
        room = min(room, budget.max_entries - backlog.unacked)
    if budget.max_bytes and backlog.memory_bytes is not None and backlog.length:
        free = max(budget.max_bytes - backlog.memory_bytes, 0)
        fits = free * backlog.length // max(backlog.memory_bytes, 1)
        if fits == 0 and backlog.unacked:
            return 0
        room = min(room, max(1, fits))
    return max(room, 0)


def entry_bytes(fields: Mapping[Any, Any]) -> int:
    """About the bytes an entry with ``fields`` adds to a stream: its names and values."""
    return sum(_size(key) + _size(value) for key, value in fields.items())


def entry_fits(budget: StreamBudget, backlog: StreamBacklog, entry_bytes: int) -> bool:
    """Whether one more entry of ``entry_bytes`` keeps the stream within its budget.

    An entry always fits a stream its group has fully acknowledged, so an entry bigger
    than the whole budget still goes through once the stream has drained.
    """
    if backlog.unacked == 0:
        return True
    if budget.max_entries and backlog.unacked >= budget.max_entries:
        return False
    if budget.max_bytes and backlog.memory_bytes is not None:
        return backlog.memory_bytes + entry_bytes <= budget.max_bytes
    return True


@dataclass
class BackpressureGate:
    """Lets a consumer take new entries only while the stream it produces into has room."""

    redis: Redis
    budget: StreamBudget
    poll_s: float
    _engaged_at: float | None = field(default=None, init=False)
    # One entry added at a time per process: two cannot pass on the same reading.
    _adding: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    @property
    def engaged(self) -> bool:
        """Whether the last reading found the budget spent."""
        return self._engaged_at is not None

    async def admit(self, wanted: int, stop: asyncio.Event) -> int:
        """How many of ``wanted`` entries to take now; 0 after waiting one poll when full."""
        backlog = await read_backlog(self.redis, self.budget.stream, self.budget.group)
        room = room_for(self.budget, backlog, wanted)
        if room > 0:
            self._release(backlog)
            return room
        self._engage(backlog)
        await self._pause(stop)
        return 0

    @contextlib.asynccontextmanager
    async def room_for_entry(self, entry_bytes: int, stop: asyncio.Event) -> AsyncIterator[None]:
        """Wait until one more entry of ``entry_bytes`` fits, then let the caller add it.

        On stop the entry goes through: the work is done and the consumer is finishing.
        """
        async with self._adding:
            while True:
                backlog = await read_backlog(self.redis, self.budget.stream, self.budget.group)
                if entry_fits(self.budget, backlog, entry_bytes):
                    self._release(backlog)
                    break
                if stop.is_set():
                    break
                self._engage(backlog)
                await self._pause(stop)
            yield

    async def _pause(self, stop: asyncio.Event) -> None:
        await wait_unless_stopped(stop, self.poll_s)

    def _engage(self, backlog: StreamBacklog) -> None:
        if self._engaged_at is not None:
            return
        self._engaged_at = time.monotonic()
        BACKPRESSURE.labels(self.budget.stream).set(1)
        BACKPRESSURE_ENGAGED.labels(self.budget.stream).inc()
        log.warning("backpressure.engaged", **self._figures(backlog))

    def _release(self, backlog: StreamBacklog) -> None:
        if self._engaged_at is None:
            return
        waited_s = time.monotonic() - self._engaged_at
        self._engaged_at = None
        BACKPRESSURE.labels(self.budget.stream).set(0)
        log.info("backpressure.released", waited_s=round(waited_s, 2), **self._figures(backlog))

    def _figures(self, backlog: StreamBacklog) -> dict[str, object]:
        return {
            "stream": self.budget.stream,
            "unacked": backlog.unacked,
            "max_unacked": self.budget.max_entries,
            "memory_bytes": backlog.memory_bytes,
            "max_bytes": self.budget.max_bytes,
        }


def _size(value: object) -> int:
    # Characters of a str: JSON is nearly all ASCII, and encoding a page to count it would copy it.
    return len(value) if isinstance(value, bytes | str) else len(str(value))
