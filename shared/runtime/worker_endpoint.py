"""The small HTTP endpoint of a worker on ``METRICS_PORT``: ``/metrics`` and ``/health``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import structlog
from aiohttp import web

from shared.config import MetricsSettings
from shared.observability.metrics import render_metrics
from shared.runtime.health import HealthCheck, HealthWarnings, run_checks

log = structlog.get_logger()

_CHECKS = web.AppKey("checks", dict[str, HealthCheck])
_WARNINGS: web.AppKey[HealthWarnings] = web.AppKey("warnings")


@asynccontextmanager
async def worker_endpoint(
    settings: MetricsSettings,
    checks: Mapping[str, HealthCheck],
    warnings: HealthWarnings | None = None,
) -> AsyncIterator[None]:
    """Serve ``/metrics`` and ``/health`` while the block runs; port 0 serves nothing.

    ``warnings`` are listed in the ``/health`` answer without failing it.

    A port already taken is logged, not fatal: the worker's work matters more than its
    endpoint, and the failing health probe tells the operator.
    """
    if settings.port == 0:
        yield
        return
    app = web.Application()
    app[_CHECKS] = dict(checks)
    app[_WARNINGS] = _no_warnings if warnings is None else warnings
    app.router.add_get("/metrics", _metrics)
    app.router.add_get("/health", _health)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, settings.host, settings.port).start()
        except OSError as exc:
            log.warning("metrics.unavailable", port=settings.port, error=str(exc))
        else:
            log.info("metrics.listening", host=settings.host, port=settings.port)
        yield
    finally:
        await runner.cleanup()


async def _metrics(_request: web.Request) -> web.Response:
    body, content_type = render_metrics()
    return web.Response(body=body, headers={"Content-Type": content_type})


async def _health(request: web.Request) -> web.Response:
    registered: dict[str, HealthCheck] = request.app[_CHECKS]
    checks = await run_checks(registered)
    healthy = all(value == "ok" for value in checks.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": checks,
        "warnings": await request.app[_WARNINGS](),
    }
    return web.json_response(body, status=200 if healthy else 503)


async def _no_warnings() -> list[str]:
    return []
