"""What SSE clients hold in an API process: their own Redis pool and a bounded count.

Each SSE client keeps one Redis connection busy in ``XREAD BLOCK``. On the
requests' pool (a blocking one) enough open dashboards would starve every other
route, so the feeds get a pool of their own, sized for ``EVENTS_MAX_CLIENTS``;
one more client gets a 503 with ``Retry-After`` instead of a wait.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from aiohttp import web
from redis.asyncio import Redis

from services.api.keys import SETTINGS
from shared.redis.client import redis_client

RETRY_AFTER_S = 5


@dataclass
class FeedSlots:
    """How many SSE clients this process serves, out of ``limit``."""

    limit: int
    in_use: int = 0

    @contextmanager
    def taken(self) -> Iterator[None]:
        """Hold one slot for the life of a feed; 503 when none is free."""
        if self.in_use >= self.limit:
            raise web.HTTPServiceUnavailable(
                reason="too many live event clients; try again",
                headers={"Retry-After": str(RETRY_AFTER_S)},
            )
        self.in_use += 1
        try:
            yield
        finally:
            self.in_use -= 1


FEEDS_REDIS = web.AppKey("feeds_redis", Redis)
FEED_SLOTS = web.AppKey("feed_slots", FeedSlots)


async def feeds_lifespan(app: web.Application) -> AsyncIterator[None]:
    """Open the feeds' own Redis pool: one connection per client, one for look-ups."""
    settings = app[SETTINGS]
    limit = settings.events.max_clients
    pool_settings = settings.redis.model_copy(update={"pool_size": limit + 1})
    async with redis_client(pool_settings) as redis:
        app[FEEDS_REDIS] = redis
        app[FEED_SLOTS] = FeedSlots(limit=limit)
        yield
