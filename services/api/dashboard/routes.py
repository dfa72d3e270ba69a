"""The routes of the live view: events, operator reads and writes, the page and its docs.

They join the main table in ``create_app`` so ``/openapi.json`` documents them
the same way; the HTML pages and their assets are not API operations and stay
out of the spec.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from services.api.dashboard.audit_trail import get_audit
from services.api.dashboard.dead_letters import get_dead_letters, post_purge, post_replay
from services.api.dashboard.operations import get_item_search, get_sources, get_streams
from services.api.dashboard.pages import ASSET_NAMES, dashboard_page, docs_page, static_asset
from services.api.handlers.events import get_events, get_job_events
from services.api.routes import RawBody, Route, errors
from shared.models.dashboard import (
    AuditPage,
    AuditQuery,
    DeadLetterIdsRequest,
    DeadLettersOut,
    ItemSearchQuery,
    PurgedOut,
    ReplayedOut,
    SourcesOut,
    StreamsOut,
)
from shared.models.http import ItemsPage

_SSE = RawBody("text/event-stream", {"type": "string"})
_HTML = RawBody("text/html", {"type": "string"})
_RESUME = {
    "name": "Last-Event-ID",
    "in": "header",
    "required": False,
    "description": "resume after this event id (a stream entry id like 1700000000000-0)",
    "schema": {"type": "string", "pattern": r"^\d{1,20}-\d{1,20}$"},
}

DASHBOARD_ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/events",
        get_events,
        "Live events as Server-Sent Events (job, breaker, dead letter); resumable by id",
        {200: _SSE, **errors(400, 503)},
        tags=("live",),
    ),
    Route(
        "GET",
        "/jobs/{id}/events",
        get_job_events,
        "One job's events as Server-Sent Events, ending after its final one",
        {200: _SSE, **errors(400, 404, 503)},
        path_params={"id": {"type": "string", "format": "uuid"}},
        tags=("live",),
    ),
    Route(
        "GET",
        "/streams",
        get_streams,
        "Streams: length, and per group lag, pending and consumers with idle time",
        {200: StreamsOut, **errors(503)},
        tags=("operations",),
    ),
    Route(
        "GET",
        "/sources",
        get_sources,
        "Per source: breaker, request budget, last job and next scheduled run",
        {200: SourcesOut, **errors(503)},
        tags=("operations",),
    ),
    Route(
        "GET",
        "/search/items",
        get_item_search,
        "Items whose name starts with q, or whose upstream id is q",
        {200: ItemsPage, **errors(400, 422, 503)},
        query=ItemSearchQuery,
        tags=("items",),
    ),
    Route(
        "GET",
        "/dead-letters",
        get_dead_letters,
        "Dead letters, oldest first, with their error",
        {200: DeadLettersOut, **errors(503)},
        tags=("operations",),
    ),
    Route(
        "POST",
        "/dead-letters/replay",
        post_replay,
        "Put dead letters back on their stream (audited)",
        {200: ReplayedOut, **errors(400, 401, 403, 404, 413, 422, 503)},
        body=DeadLetterIdsRequest,
        auth=True,
        tags=("operations",),
    ),
    Route(
        "POST",
        "/dead-letters/purge",
        post_purge,
        "Delete dead letters for good (audited)",
        {200: PurgedOut, **errors(400, 401, 403, 404, 413, 422, 503)},
        body=DeadLetterIdsRequest,
        auth=True,
        tags=("operations",),
    ),
    Route(
        "GET",
        "/audit",
        get_audit,
        "The audit trail of state-changing requests, newest first",
        {200: AuditPage, **errors(400, 401, 403, 422, 503)},
        query=AuditQuery,
        auth=True,
        tags=("operations",),
    ),
    Route(
        "GET", "/", dashboard_page, "The operator dashboard (HTML)", {200: _HTML}, tags=("pages",)
    ),
    Route(
        "GET", "/docs", docs_page, "This API's documentation (HTML)", {200: _HTML}, tags=("pages",)
    ),
    Route(
        "GET",
        "/static/{name}",
        static_asset,
        "A stylesheet or script of the pages",
        {200: RawBody("text/*", {"type": "string"}), **errors(404)},
        path_params={"name": {"type": "string", "enum": sorted(ASSET_NAMES)}},
        tags=("pages",),
    ),
)


def document_resume(spec: dict[str, Any]) -> dict[str, Any]:
    """Add the ``Last-Event-ID`` header to the SSE operations of ``spec``."""
    for route in DASHBOARD_ROUTES:
        if _SSE in route.responses.values():
            operation = spec["paths"][route.path][route.method.lower()]
            operation["parameters"] = [*operation["parameters"], dict(_RESUME)]
    return spec


def add_dashboard_routes(app: web.Application) -> None:
    """Register the live routes, the dashboard page, its assets and ``/docs``."""
    for route in DASHBOARD_ROUTES:
        app.router.add_route(route.method, route.path, route.handler)
