"""``GET /health``: Redis and MySQL answer, or 503 naming the one that does not."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from aiohttp import web

from services.api.keys import DB, REDIS, SOURCES
from shared.resilience.breaker import read_breaker

CHECK_TIMEOUT_S = 2.0


async def health(request: web.Request) -> web.Response:
    """200 when every check passes, else 503 with the failing check."""
    checks = {
        "redis": await _check(_ping_redis(request)),
        "mysql": await _check(_ping_mysql(request)),
    }
    healthy = all(value == "ok" for value in checks.values())
    body: dict[str, object] = {"status": "ok" if healthy else "unavailable", "checks": checks}
    if checks["redis"] == "ok":  # an open breaker is the upstream's trouble, not ours
        body["breakers"] = {
            name: (await read_breaker(request.app[REDIS], name)).state
            for name in request.app[SOURCES]
        }
    return web.json_response(body, status=200 if healthy else 503)


async def _check(probe: Coroutine[Any, Any, None]) -> str:
    try:
        await asyncio.wait_for(probe, timeout=CHECK_TIMEOUT_S)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


async def _ping_redis(request: web.Request) -> None:
    await request.app[REDIS].ping()


async def _ping_mysql(request: web.Request) -> None:
    async with request.app[DB].acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT 1")
        await cur.fetchone()
