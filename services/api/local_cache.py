"""An in-process copy of hot ``GET /items/{id}`` answers, in front of the Redis cache.

Writers publish the ids of changed items on ``itemsync:item-changes`` after
COMMIT; a subscriber drops them here. Pub/sub delivers to a live subscriber or
drops the connection, so the copy is used only while the subscription is up:
when it breaks, everything is forgotten until it is back. A read remembers the
invalidation count when it starts and keeps its answer only if no invalidation
arrived meanwhile, so an answer read before a write is never kept after it.

``GET /items`` pages are kept here too, by query string: any message, even one
naming no id (a writer that only created rows), drops them all, since a write
anywhere can change any page and its total.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.cache.item_changes import parse_item_ids
from shared.resilience.backoff import Backoff
from shared.streams import names

_POLL_S = 0.2  # how often the subscriber looks at its stop event


@dataclass
class LocalItemCache:
    """Rendered item answers by id, bounded in bytes, valid while subscribed."""

    max_bytes: int
    ttl_s: float
    _entries: OrderedDict[int | str, tuple[bytes, float]] = field(default_factory=OrderedDict)
    _page_keys: set[str] = field(default_factory=set)  # the entries that are item lists
    _bytes: int = 0
    _live: bool = False  # subscribed: invalidations reach us
    _epoch: int = 0  # invalidations seen; a read keeps its answer only if this did not move

    @property
    def epoch(self) -> int:
        """Take this before reading Redis or MySQL; hand it to ``put``."""
        return self._epoch

    def get(self, item_id: int) -> bytes | None:
        """The kept answer, if any and still fresh."""
        return self._get(item_id)

    def put(self, item_id: int, body: bytes, epoch: int) -> None:
        """Keep an answer read since ``epoch``, unless an invalidation came in between."""
        self._put(item_id, body, epoch)

    def get_page(self, query: str) -> bytes | None:
        """The kept ``GET /items`` answer for this query string, if any and still fresh."""
        return self._get(query)

    def put_page(self, query: str, body: bytes, epoch: int) -> None:
        """Keep a ``GET /items`` answer read since ``epoch``, as ``put`` does."""
        if self._put(query, body, epoch):
            self._page_keys.add(query)

    def invalidate(self, item_ids: list[int]) -> None:
        """Forget these items (a writer changed them) and every kept page."""
        self._epoch += 1
        for item_id in item_ids:
            self._drop(item_id)
        for query in list(self._page_keys):
            self._drop(query)

    def go_live(self) -> None:
        """The subscription is up: answers may be kept from now on."""
        self._epoch += 1
        self._live = True

    def on_reconnect(self, _connection: object) -> None:
        """A connect callback: the subscriber's connection was re-established."""
        self.go_blind()

    def go_blind(self) -> None:
        """The subscription broke: invalidations may be lost, so forget everything."""
        self._live = False
        self._epoch += 1
        self._entries.clear()
        self._page_keys.clear()
        self._bytes = 0

    def _get(self, key: int | str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        body, expires = entry
        if time.monotonic() >= expires:
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return body

    def _put(self, key: int | str, body: bytes, epoch: int) -> bool:
        if not self._live or epoch != self._epoch or len(body) > self.max_bytes:
            return False
        self._drop(key)
        self._entries[key] = (body, time.monotonic() + self.ttl_s)
        self._bytes += len(body)
        while self._bytes > self.max_bytes:
            oldest = next(iter(self._entries))
            self._drop(oldest)
        return key in self._entries

    def _drop(self, key: int | str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry[0])
        if isinstance(key, str):
            self._page_keys.discard(key)


async def follow_item_changes(redis: Redis, cache: LocalItemCache, stop: asyncio.Event) -> None:
    """Keep ``cache`` subscribed to writers' changes until ``stop``; reconnect after errors.

    The cache goes live only on the server's confirmation of the subscription, and
    blind again at any reconnect, even one the client makes on its own.
    """
    backoff = Backoff(stop)
    while not stop.is_set():
        try:
            await _follow(redis, cache, stop, backoff)
        except (RedisError, OSError) as exc:
            await backoff.after_failure("item_cache.unsubscribed", exc)


async def _follow(
    redis: Redis, cache: LocalItemCache, stop: asyncio.Event, backoff: Backoff
) -> None:
    """One subscription, until stop or an error; the cache is blind again when it ends."""
    try:
        async with redis.pubsub() as pubsub:
            await pubsub.subscribe(names.ITEM_CHANGES)
            if pubsub.connection is not None:
                pubsub.connection.register_connect_callback(cache.on_reconnect)
            while not stop.is_set():
                message = await pubsub.get_message(timeout=_POLL_S)
                if message is None:
                    continue
                if message["type"] == "subscribe":
                    cache.go_live()
                    backoff.succeeded()
                elif message["type"] == "message":
                    cache.invalidate(parse_item_ids(message["data"]))
    finally:
        cache.go_blind()
