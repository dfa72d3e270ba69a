"""``GET /health``: Redis, MySQL and the schema answer, or 503 naming the failing check.

Redis set up to lose queued entries (no persistence, an evicting policy) is a warning in
the answer, not a failure: the pipeline recovers from it.
"""

from __future__ import annotations

from aiohttp import web

from services.api.keys import DB, PLANNERS, REDIS
from shared.errors import CorruptState
from shared.redis.durability import redis_warnings
from shared.resilience.breaker import read_breaker
from shared.runtime.health import migrations_check, mysql_check, redis_check, run_checks


async def health(request: web.Request) -> web.Response:
    """200 when every check passes, 200 ``degraded`` with corrupt breaker state, else 503."""
    pool = request.app[DB]
    checks = await run_checks(
        {
            "redis": redis_check(request.app[REDIS]),
            "mysql": mysql_check(pool),
            "migrations": migrations_check(pool),
        }
    )
    healthy = all(value == "ok" for value in checks.values())
    body: dict[str, object] = {"status": "ok" if healthy else "unavailable", "checks": checks}
    warnings: list[str] = []
    if checks["redis"] == "ok":  # an open breaker is the upstream's trouble, not ours
        states, problems = await _breakers(request)
        body["breakers"] = states
        if problems:
            checks["breakers"] = "degraded: " + "; ".join(problems)
            body["status"] = "degraded" if healthy else "unavailable"
        warnings = await redis_warnings(request.app[REDIS])
    body["warnings"] = warnings
    return web.json_response(body, status=200 if healthy else 503)


async def _breakers(request: web.Request) -> tuple[dict[str, str], list[str]]:
    states: dict[str, str] = {}
    problems: list[str] = []
    for name in request.app[PLANNERS]:
        try:
            states[name] = (await read_breaker(request.app[REDIS], name)).state
        except CorruptState as exc:
            states[name] = "corrupt"
            problems.append(str(exc))
    return states, problems
