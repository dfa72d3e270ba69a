"""MySQL named locks: one holder across the fleet, kept in the source of truth.

A lock in Redis would vanish with the very data loss it guards the recovery
from; a MySQL named lock is held by one connection and released when that
connection ends, so a holder that dies never leaves it taken.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiomysql

# Named locks are server-wide: scope the name by database, so two deployments (or
# two test databases) on one server never wait on each other. 64 is MySQL's limit.
_NAME = "LEFT(CONCAT(%s, ':', DATABASE()), 64)"


@asynccontextmanager
async def fleet_lock(pool: aiomysql.Pool, name: str, *, wait_s: float) -> AsyncIterator[bool]:
    """Hold the named lock for the block; yields False when another holder kept it ``wait_s``."""
    async with pool.acquire() as conn:
        async with conn.cursor() as cur:
            await cur.execute(f"SELECT GET_LOCK({_NAME}, %s)", (name, wait_s))
            (got,) = await cur.fetchone()
        await conn.commit()
        if got != 1:
            yield False
            return
        try:
            yield True
        finally:
            try:
                async with conn.cursor() as cur:
                    await cur.execute(f"SELECT RELEASE_LOCK({_NAME})", (name,))
                await conn.commit()
            except BaseException:
                conn.close()  # a pooled connection must never go back still holding the lock
                raise
