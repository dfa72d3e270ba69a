"""Lookups asked for in the same turn of the event loop share one batched call.

Under load many requests each want one item at the same moment. One ``MGET`` or one
``SELECT ... WHERE id IN (...)`` for all of them costs the API, Redis and MySQL far
less than a round trip each: the statement, its column descriptions and the socket
writes are paid once. A lone request makes a batch of one, and waits one loop turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(eq=False)
class Coalescer(Generic[K, V]):
    """``get(key)`` through ``fetch(keys)``, which answers the keys it found.

    ``max_batch`` bounds what one call holds: items are up to megabytes each, so a
    batch holds no more than the connection pool would have in flight anyway.
    """

    fetch: Callable[[list[K]], Awaitable[Mapping[K, V]]]
    max_batch: int
    _waiting: list[tuple[K, asyncio.Future[V | None]]] = field(default_factory=list)
    _running: set[asyncio.Task[None]] = field(default_factory=set)

    async def get(self, key: K) -> V | None:
        """``key``'s value, None when ``fetch`` did not find it; raises what the batch raised."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[V | None] = loop.create_future()
        if not self._waiting:  # the first of this turn sends the batch on the next one
            loop.call_soon(self._send)
        self._waiting.append((key, future))
        return await future  # a cancelled caller cancels only its own future

    def _send(self) -> None:
        waiting, self._waiting = self._waiting, []
        for start in range(0, len(waiting), self.max_batch):
            task = asyncio.ensure_future(self._answer(waiting[start : start + self.max_batch]))
            self._running.add(task)  # held, so the task is not collected mid-flight
            task.add_done_callback(self._running.discard)

    async def _answer(self, batch: list[tuple[K, asyncio.Future[V | None]]]) -> None:
        keys = list(dict.fromkeys(key for key, future in batch if not future.done()))
        if not keys:
            return
        try:
            found = await self.fetch(keys)
        except asyncio.CancelledError:  # the app is shutting down: so are its requests
            for _, future in batch:
                future.cancel()
            raise
        except Exception as exc:  # every caller of the batch sees the error it would have
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for key, future in batch:
            if not future.done():
                future.set_result(found.get(key))
