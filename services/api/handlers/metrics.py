"""``GET /metrics``: this process's metrics plus stream and breaker state read from Redis."""

from __future__ import annotations

from aiohttp import web

from services.api.keys import PLANNERS, REDIS
from shared.observability.metrics import refresh_shared_gauges, render_metrics


async def metrics(request: web.Request) -> web.Response:
    """The Prometheus text format; streams and breakers are read at scrape time."""
    planners = request.app[PLANNERS]
    await refresh_shared_gauges(request.app[REDIS], list(planners))
    body, content_type = render_metrics()
    return web.Response(body=body, headers={"Content-Type": content_type})
