"""``GET /health``: Redis and MySQL answer, or 503 naming the one that does not."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from aiohttp import web

from services.api.keys import DB, REDIS

CHECK_TIMEOUT_S = 2.0


async def health(request: web.Request) -> web.Response:
    """200 when every check passes, else 503 with the failing check."""
    checks = {
        "redis": await _check(_ping_redis(request)),
        "mysql": await _check(_ping_mysql(request)),
    }
    healthy = all(value == "ok" for value in checks.values())
    return web.json_response(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )


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
