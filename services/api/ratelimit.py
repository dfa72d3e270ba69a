"""A fixed-window rate limit per client, counted in Redis so every API process shares it.

``redis-cli GET itemsync:ratelimit:sync:addr:<address>`` shows the count; its TTL is
the time left in the window. A count that is not a number starts a new window.
"""

from __future__ import annotations

import math
from typing import Any

from redis.asyncio import Redis

from shared.streams.names import rate_limit_key
from shared.values.rates import Rate

# One atomic step: count the request and start the window on the first one.
_HIT = """
local ok, count = pcall(redis.call, 'INCR', KEYS[1])
if not ok then
  redis.call('DEL', KEYS[1])
  count = redis.call('INCR', KEYS[1])
end
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
"""
# The count and time left, without counting: unreadable counts as nothing.
_PEEK = """
local ok, value = pcall(redis.call, 'GET', KEYS[1])
if not ok or not value then return {0, 0} end
return {tonumber(value) or 0, redis.call('PTTL', KEYS[1])}
"""


class RateLimited(Exception):
    """The client has used up its window: answer 429 with ``Retry-After``."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many requests; retry in {retry_after_s}s")
        self.retry_after_s = retry_after_s


async def hit(redis: Redis, scope: str, client: str, rate: Rate) -> None:
    """Count one request of ``client`` to ``scope``; raise RateLimited past ``rate``."""
    window_ms = max(1, int(rate.period.total_seconds() * 1000))
    reply: Any = await redis.eval(_HIT, 1, rate_limit_key(scope, client), window_ms)
    count, ttl_ms = int(reply[0]), int(reply[1])
    if count > rate.count:
        raise RateLimited(max(1, math.ceil(ttl_ms / 1000)))


async def ensure_not_limited(redis: Redis, scope: str, client: str, rate: Rate) -> None:
    """Raise RateLimited if ``client`` already used up ``rate`` in ``scope``; count nothing."""
    reply: Any = await redis.eval(_PEEK, 1, rate_limit_key(scope, client))
    count, ttl_ms = int(reply[0]), int(reply[1])
    if count > rate.count:
        raise RateLimited(max(1, math.ceil(ttl_ms / 1000)))
