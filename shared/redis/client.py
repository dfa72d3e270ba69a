"""``redis_client()``: the one place a Redis connection is made."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import BlockingConnectionPool, Redis

from shared.config import RedisSettings


@asynccontextmanager
async def redis_client(settings: RedisSettings) -> AsyncIterator[Redis]:
    """A client over a blocking pool: callers wait for a free connection, never fail."""
    pool = BlockingConnectionPool(
        host=settings.host,
        port=settings.port,
        db=settings.db,
        password=settings.password.get_secret_value() if settings.password else None,
        max_connections=settings.pool_size,
        socket_timeout=settings.socket_timeout.total_seconds(),
        socket_connect_timeout=5.0,
        health_check_interval=30,
    )
    client = Redis(connection_pool=pool)
    try:
        yield client
    finally:
        await client.aclose()
        await pool.aclose()
