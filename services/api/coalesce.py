"""Lookups that wait at the same time share one batched call.

Under load many requests each want one item at the same moment. One ``MGET`` or one
``SELECT ... WHERE id IN (...)`` for all of them costs the API, Redis and MySQL far
less than a round trip each: the statement, its column descriptions and the socket
writes are paid once. A lone lookup is sent on the loop's next turn, as a batch of one.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
Waiting = list[tuple[K, "asyncio.Future[V | None]"]]


@dataclass(eq=False)
class Coalescer(Generic[K, V]):
    """``get(key)`` through ``fetch(keys)``, which answers the keys it found.

    At most ``max_batch`` keys per call and ``max_running`` calls at once: items weigh up
    to megabytes and a call holds its answers whole, so what is in flight stays bounded
    (lookups beyond it wait for a call to end). An error reaches only the callers of the
    call that raised it.
    """

    fetch: Callable[[list[K]], Awaitable[Mapping[K, V]]]
    max_batch: int
    max_running: int
    _waiting: Waiting[K, V] = field(default_factory=list)
    _running: set[asyncio.Task[None]] = field(default_factory=set)
    _send_due: bool = False

    async def get(self, key: K) -> V | None:
        """``key``'s value, None when ``fetch`` did not find it; raises what the call raised."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[V | None] = loop.create_future()
        self._waiting.append((key, future))
        self._send_soon(loop)
        return await future  # a cancelled caller cancels only its own future

    def _send_soon(self, loop: asyncio.AbstractEventLoop) -> None:
        if not self._send_due:  # the lookups of this turn go together on the next
            self._send_due = True
            loop.call_soon(self._send)

    def _send(self) -> None:
        self._send_due = False
        while self._waiting and len(self._running) < self.max_running:
            taken = self._waiting[: self.max_batch]
            del self._waiting[: self.max_batch]
            batch = [(key, future) for key, future in taken if not future.done()]
            if not batch:  # every caller of it was cancelled meanwhile
                continue
            # A context of its own: the call serves every caller, not the first one's request.
            task = asyncio.get_running_loop().create_task(
                self._answer(batch), context=contextvars.Context()
            )
            self._running.add(task)  # held, so the task is not collected mid-flight
            task.add_done_callback(partial(self._ended, batch))

    async def _answer(self, batch: Waiting[K, V]) -> None:
        try:
            found = await self.fetch(list(dict.fromkeys(key for key, _ in batch)))
        except Exception as exc:  # each caller of the batch sees the error it would have
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for key, future in batch:
            if not future.done():
                future.set_result(found.get(key))

    def _ended(self, batch: Waiting[K, V], task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        for _, future in batch:  # the call was cancelled (the loop is closing): never hang
            if not future.done():
                future.set_exception(ConnectionError("the read was cancelled"))
        if self._waiting:
            self._send_soon(asyncio.get_running_loop())
