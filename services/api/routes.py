"""The route table: one list drives both the aiohttp router and ``/openapi.json``.

The table is built per app from its ``HttpModels``, so the request models the
handlers validate with are the ones the description is generated from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel

from services.api.handlers.health import health
from services.api.handlers.items import MAX_ITEM_ID, get_item_by_id, get_items
from services.api.handlers.items_by_source import MAX_EXTERNAL_ID_CHARS, get_item_by_source
from services.api.handlers.jobs import get_job_by_id, get_jobs
from services.api.handlers.metrics import metrics
from services.api.handlers.openapi import openapi_spec
from services.api.handlers.sync import post_sync
from shared.models.health import HealthOut
from shared.models.http import ErrorOut, HttpModels, ItemsPage, JobsPage, SyncAccepted
from shared.models.items import ItemDetailOut
from shared.models.jobs import JobDetailOut


@dataclass(frozen=True)
class RawBody:
    """A response that is not a model: its content type and JSON schema."""

    content_type: str
    schema: Mapping[str, Any]


Body = type[BaseModel] | RawBody


@dataclass(frozen=True)
class Route:
    """One operation: what aiohttp routes and what the spec documents."""

    method: str
    path: str
    handler: Handler
    summary: str
    responses: Mapping[int, Body]
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    path_params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    auth: bool = False
    tags: tuple[str, ...] = ()


def errors(*statuses: int) -> dict[int, Body]:
    """The JSON error body for each of ``statuses``."""
    return {status: ErrorOut for status in statuses}


def build_routes(models: HttpModels) -> tuple[Route, ...]:
    """Every operation of the API, with the request models of this app."""
    return (
        Route(
            "GET",
            "/health",
            health,
            "Redis and MySQL answer; breaker state per source",
            {200: HealthOut, 503: HealthOut},
            tags=("operations",),
        ),
        Route(
            "POST",
            "/sync",
            post_sync,
            "Start a sync job (or answer with the identical open one)",
            {202: SyncAccepted, 200: SyncAccepted, **errors(400, 401, 403, 413, 422, 429, 503)},
            body=models.sync_request,
            auth=True,
            tags=("jobs",),
        ),
        Route(
            "GET",
            "/items",
            get_items,
            "One page of items, without payloads; filters, a sort, offset or keyset pages",
            {200: ItemsPage, **errors(400, 404, 422, 503)},
            query=models.items_query,
            tags=("items",),
        ),
        Route(
            "GET",
            "/items/{id}",
            get_item_by_id,
            "One item with its payload",
            {200: ItemDetailOut, **errors(400, 404, 503)},
            path_params={"id": {"type": "integer", "minimum": 1, "maximum": MAX_ITEM_ID}},
            tags=("items",),
        ),
        Route(
            "GET",
            "/sources/{source}/items/{external_id}",
            get_item_by_source,
            "One item by its source and upstream id, as GET /items/{id} answers it",
            {200: ItemDetailOut, **errors(400, 404, 503)},
            path_params={
                "source": {"type": "string", "enum": list(models.sources)},
                "external_id": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_EXTERNAL_ID_CHARS,
                    "pattern": "^[^/]+$",
                },
            },
            tags=("items",),
        ),
        Route(
            "GET",
            "/jobs",
            get_jobs,
            "Sync jobs, newest first",
            {200: JobsPage, **errors(400, 422, 503)},
            query=models.jobs_query,
            tags=("jobs",),
        ),
        Route(
            "GET",
            "/jobs/{id}",
            get_job_by_id,
            "One sync job with its live progress",
            {200: JobDetailOut, **errors(400, 404, 503)},
            path_params={"id": {"type": "string", "format": "uuid"}},
            tags=("jobs",),
        ),
        Route(
            "GET",
            "/openapi.json",
            openapi_spec,
            "This document",
            {200: RawBody("application/json", {"type": "object"})},
            tags=("operations",),
        ),
        Route(
            "GET",
            "/metrics",
            metrics,
            "Prometheus metrics: items, pages, upstream requests, streams, breakers, latency",
            {200: RawBody(CONTENT_TYPE_LATEST, {"type": "string"}), **errors(503)},
            tags=("operations",),
        ),
    )


def add_routes(app: web.Application, routes: tuple[Route, ...]) -> None:
    """Register every route of the table."""
    for route in routes:
        app.router.add_route(route.method, route.path, route.handler)
