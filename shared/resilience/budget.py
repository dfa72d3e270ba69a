"""A request budget per source, shared in Redis by every fetcher.

Requests are spread evenly (GCRA with no burst): at a rate of N per period, each
request gets the next free slot ``period / N`` after the one before, so no window
of one period ever holds more than N. The slot is reserved in one Lua script on
Redis's clock, so fetchers on many hosts agree; a caller whose slot lies ahead
waits for it instead of failing. ``redis-cli HGETALL itemsync:budget:<source>``
shows ``next_free_us`` (Redis time of the next free slot, in microseconds),
``interval_us``, ``granted`` and ``delayed`` (grants that had to wait).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from shared.streams.names import budget_key
from shared.values.rates import Rate

_SCRIPT = """
local key = KEYS[1]
local interval = tonumber(ARGV[1])
local max_ahead = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local slot = tonumber(redis.call('HGET', key, 'next_free_us') or '0')
if slot < now then slot = now end
if slot - now > max_ahead then
  return {0, string.format('%.0f', slot), string.format('%.0f', now)}
end
redis.call('HSET', key, 'next_free_us', string.format('%.0f', slot + interval),
           'interval_us', string.format('%.0f', interval))
redis.call('HINCRBY', key, 'granted', 1)
if slot > now then redis.call('HINCRBY', key, 'delayed', 1) end
return {1, string.format('%.0f', slot), string.format('%.0f', now)}
"""

MAX_AHEAD_S = 5.0  # reserve at most this far ahead; further out, wait and ask again


@dataclass(frozen=True)
class Grant:
    """One request's slot: when (Redis clock, seconds since the epoch) and how long we waited."""

    slot_s: float
    waited_s: float


@dataclass(frozen=True)
class RequestBudget:
    """One source's budget; ``rate=None`` means no limit and never touches Redis."""

    redis: Redis
    source: str
    rate: Rate | None
    max_ahead_s: float = MAX_AHEAD_S

    async def take(self) -> Grant:
        """Wait until one more request fits the budget, then return its slot."""
        if self.rate is None:
            return Grant(slot_s=0.0, waited_s=0.0)
        waited_s = 0.0
        max_ahead_us = max(int(self.max_ahead_s * 1_000_000), self.rate.interval_us)
        while True:
            reply: Any = await self.redis.eval(
                _SCRIPT, 1, budget_key(self.source), self.rate.interval_us, max_ahead_us
            )
            granted, slot_us, now_us = int(reply[0]), int(reply[1]), int(reply[2])
            if granted:
                wait_s = (slot_us - now_us) / 1_000_000
                if wait_s > 0:
                    await asyncio.sleep(wait_s)
                return Grant(slot_s=slot_us / 1_000_000, waited_s=waited_s + wait_s)
            # Too far ahead to reserve: sleep until a reservation fits, then ask again.
            pause_s = (slot_us - now_us - max_ahead_us) / 1_000_000 + 0.001
            await asyncio.sleep(pause_s)
            waited_s += pause_s
