"""Running a consumer service: one way to start the fetcher, the writer, or any other.

A service declares what is its own: the stream and group it reads, its batch bounds,
how it builds its handler from the resources opened here, an optional backpressure
gate, and any task that runs beside the loop. ``ConsumerService.run`` does the rest,
the same for every consumer: open Redis and MySQL, serve ``/metrics`` and ``/health``,
wait for the consumer groups, run the loop until stopped, close in reverse order.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AsyncExitStack
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic

import aiomysql
from redis.asyncio import Redis

from shared.config import Settings
from shared.db.pool import db_pool
from shared.redis.client import redis_client
from shared.redis.durability import redis_warnings
from shared.runtime.health import HealthCheck, loop_check, mysql_check, redis_check
from shared.runtime.worker_endpoint import worker_endpoint
from shared.streams.backpressure import BackpressureGate
from shared.streams.from_settings import group_reader, loop_max_age_s, loop_settings
from shared.streams.groups import wait_for_groups
from shared.streams.handler import Consumer, M
from shared.streams.heartbeat import Heartbeat
from shared.streams.loop import ConsumerLoop


@dataclass(frozen=True)
class Resources:
    """What every consumer service has open while it runs, for its handler to use."""

    settings: Settings
    redis: Redis
    # Connects lazily: a consumer that only reads stored validators runs on while MySQL is down.
    pool: aiomysql.Pool
    stack: AsyncExitStack  # for anything more the handler opens (an HTTP session)
    stop: asyncio.Event


@dataclass(frozen=True)
class BatchBounds:
    """How much a consumer reads at once."""

    count: int
    max_bytes: int | None = None  # read fewer entries when they are large
    linger_s: float = 0.0  # a short batch waits this long for more (whole batches only)


@dataclass(frozen=True)
class ConsumerService(Generic[M]):
    """One consumer service, declared: ``run`` is its ``item-sync <role>`` entry point."""

    role: str  # names its consumers in ``XINFO CONSUMERS``
    stream: str
    group: str
    batch: Callable[[Settings], BatchBounds]
    build: Callable[[Resources], Awaitable[Consumer[M]]]
    gate: Callable[[Redis, Settings], BackpressureGate] | None = None
    mysql_in_health: bool = False  # /health fails while MySQL is down: the service needs it
    # Each statement its own transaction: for a service whose statements stand alone.
    mysql_autocommit: bool = False
    # Runs beside the loop until stop, then is cancelled: it must hold nothing unfinished.
    beside: Callable[[Resources], Coroutine[Any, Any, None]] | None = None

    async def run(self, settings: Settings, stop: asyncio.Event) -> None:
        """Consume until stopped; the batch in hand is finished and acknowledged first."""
        async with AsyncExitStack() as stack:
            redis = await stack.enter_async_context(redis_client(settings.redis))
            pool = await stack.enter_async_context(
                db_pool(settings.database, autocommit=self.mysql_autocommit)
            )
            heartbeat = Heartbeat()
            checks: dict[str, HealthCheck] = {"redis": redis_check(redis)}
            if self.mysql_in_health:
                checks["mysql"] = mysql_check(pool)
            checks["loop"] = loop_check(heartbeat, loop_max_age_s(settings))
            await stack.enter_async_context(
                worker_endpoint(settings.metrics, checks, warnings=partial(redis_warnings, redis))
            )
            if not await wait_for_groups(redis, stop):
                return
            resources = Resources(settings=settings, redis=redis, pool=pool, stack=stack, stop=stop)
            bounds = self.batch(settings)
            loop = ConsumerLoop(
                group_reader(redis, settings, stream=self.stream, group=self.group, role=self.role),
                await self.build(resources),
                loop_settings(
                    settings,
                    count=bounds.count,
                    max_batch_bytes=bounds.max_bytes,
                    linger_s=bounds.linger_s,
                ),
                heartbeat=heartbeat,
                gate=None if self.gate is None else self.gate(redis, settings),
            )
            await self._run_loop(loop, resources)

    async def _run_loop(self, loop: ConsumerLoop[M], resources: Resources) -> None:
        if self.beside is None:
            await loop.run_until(resources.stop)
            return
        beside = asyncio.create_task(self.beside(resources))
        try:
            await loop.run_until(resources.stop)
        finally:
            beside.cancel()  # what runs beside holds nothing that must finish
            with contextlib.suppress(asyncio.CancelledError):
                await beside
