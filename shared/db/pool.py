"""``db_pool()``: the one place MySQL connections are made."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiomysql

from shared.config import DatabaseSettings


@asynccontextmanager
async def db_pool(
    settings: DatabaseSettings, *, database: bool = True
) -> AsyncIterator[aiomysql.Pool]:
    """A pool of ``pool_size`` connections in UTC, utf8mb4, explicit transactions."""
    pool = await aiomysql.create_pool(
        host=settings.host,
        port=settings.port,
        user=settings.user,
        password=settings.password.get_secret_value(),
        db=settings.database if database else None,
        minsize=0,  # connect lazily: a service starts (and reports 503) while MySQL is down
        maxsize=settings.pool_size,
        autocommit=False,
        charset="utf8mb4",
        init_command="SET time_zone = '+00:00'",
        connect_timeout=5,
        pool_recycle=3600,
    )
    try:
        yield pool
    finally:
        pool.close()
        await pool.wait_closed()
