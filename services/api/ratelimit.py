"""A fixed-window rate limit per client, counted in Redis so every API process shares it.

``redis-cli GET itemsync:ratelimit:sync:<client>`` shows the count; its TTL is the
time left in the window.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

from aiohttp import web
from redis.asyncio import Redis

from shared.rates import Rate
from shared.streams.names import rate_limit_key

# One atomic step: count the request and start the window on the first one.
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
"""


class RateLimited(Exception):
    """The client has used up its window: answer 429 with ``Retry-After``."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many requests; retry in {retry_after_s}s")
        self.retry_after_s = retry_after_s


def client_id(request: web.Request) -> str:
    """Who is asking: a hash of the bearer token when one is sent, else the remote address."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        digest = hashlib.sha256(token.strip().encode("utf-8", "surrogatepass")).hexdigest()
        return f"token:{digest[:32]}"
    return f"addr:{request.remote or 'unknown'}"


async def hit(redis: Redis, scope: str, client: str, rate: Rate) -> None:
    """Count one request of ``client`` to ``scope``; raise RateLimited past ``rate``."""
    window_ms = max(1, int(rate.period.total_seconds() * 1000))
    reply: Any = await redis.eval(_HIT, 1, rate_limit_key(scope, client), window_ms)
    count, ttl_ms = int(reply[0]), int(reply[1])
    if count > rate.count:
        raise RateLimited(max(1, math.ceil(ttl_ms / 1000)))
