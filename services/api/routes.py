"""Route table of the API; handlers live in ``handlers/``."""

from __future__ import annotations

from aiohttp import web

from services.api.handlers.health import health
from services.api.handlers.items import get_item_by_id, get_items
from services.api.handlers.jobs import get_job_by_id, get_jobs
from services.api.handlers.metrics import metrics
from services.api.handlers.sync import post_sync


def add_routes(app: web.Application) -> None:
    """Register every route."""
    app.router.add_get("/health", health)
    app.router.add_post("/sync", post_sync)
    app.router.add_get("/items", get_items)
    app.router.add_get("/items/{id}", get_item_by_id)
    app.router.add_get("/jobs", get_jobs)
    app.router.add_get("/jobs/{id}", get_job_by_id)
    app.router.add_get("/metrics", metrics)
