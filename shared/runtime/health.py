"""Health checks shared by the API and the workers: each names what it found wrong."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

import aiomysql
from redis.asyncio import Redis

from shared.db.migrate import pending_migrations
from shared.observability.redaction import redact
from shared.streams.heartbeat import Heartbeat

HealthCheck = Callable[[], Awaitable[None]]  # returns when healthy, raises otherwise
HealthWarnings = Callable[[], Awaitable[list[str]]]  # reported, never failing the check
CHECK_TIMEOUT_S = 2.0


class Unhealthy(Exception):
    """A check found a problem; its message is shown as is."""


async def run_checks(checks: Mapping[str, HealthCheck]) -> dict[str, str]:
    """Run every check with a timeout; ``"ok"`` or ``"error: ..."`` per check name."""
    names = list(checks)
    results = await asyncio.gather(*(_outcome(checks[name]) for name in names))
    return dict(zip(names, results, strict=True))


def redis_check(redis: Redis) -> HealthCheck:
    """Redis answers PING."""

    async def check() -> None:
        await redis.ping()

    return check


def mysql_check(pool: aiomysql.Pool) -> HealthCheck:
    """MySQL answers ``SELECT 1``."""

    async def check() -> None:
        async with pool.acquire() as conn, conn.cursor() as cur:
            await cur.execute("SELECT 1")
            await cur.fetchone()
            await conn.rollback()

    return check


def migrations_check(pool: aiomysql.Pool) -> HealthCheck:
    """Every file in ``migrations/`` is recorded as applied."""

    async def check() -> None:
        async with pool.acquire() as conn:
            pending = await pending_migrations(conn)
            await conn.rollback()
        if pending:
            raise Unhealthy("not applied: " + ", ".join(m.name for m in pending))

    return check


def loop_check(heartbeat: Heartbeat, max_age_s: float) -> HealthCheck:
    """The worker's loop came round within ``max_age_s``."""

    async def check() -> None:
        age = heartbeat.age_s()
        if age > max_age_s:
            raise Unhealthy(f"loop last ran {age:.0f}s ago")

    return check


async def _outcome(check: HealthCheck) -> str:
    try:
        await asyncio.wait_for(check(), timeout=CHECK_TIMEOUT_S)
    except Unhealthy as exc:
        return f"error: {redact(str(exc))}"
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"
