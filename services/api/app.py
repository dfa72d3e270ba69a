"""``create_app(settings)``: the aiohttp application and the resources it owns."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from functools import partial
from importlib import metadata
from typing import TypeVar

import orjson
from aiohttp import web

from services.api.alerting import alerts_lifespan
from services.api.cache import CacheFiller, cached_items
from services.api.coalesce import Coalescer
from services.api.cors import cors
from services.api.dashboard.routes import (
    DASHBOARD_ROUTES,
    add_dashboard_routes,
    document_resume,
)
from services.api.item_ids import ItemIdDirectory
from services.api.keys import (
    CACHE_FILLER,
    CACHED_ITEMS,
    DB,
    HTTP_MODELS,
    ITEM_IDS,
    ITEM_ROWS,
    LOCAL_CACHE,
    OPENAPI,
    PLANNERS,
    READ_DB,
    REDIS,
    SETTINGS,
)
from services.api.live.feeds import feeds_lifespan
from services.api.local_cache import LocalItemCache, follow_item_changes
from services.api.middleware import json_errors, request_context
from services.api.openapi import build_openapi
from services.api.routes import add_routes, build_routes
from shared.config import Settings
from shared.db.items import get_items_values
from shared.db.pool import db_pool
from shared.models.http import http_models
from shared.redis.client import redis_client
from shared.sources.registry import default_source, detail_id_types, enabled_planners

T = TypeVar("T")

# Batched item reads: keys per call, and calls at once. Items can weigh megabytes and a
# call holds its answers whole, so at most 64 are in flight, as many as the Redis pool
# had one read per connection before reads were batched.
ITEM_BATCH_MAX = 32
ITEM_BATCHES_RUNNING = 2


def create_app(settings: Settings) -> web.Application:
    """Build the API; resources open on start-up and close on clean-up."""
    # CORS costs every request a look at its headers, so it runs only when configured.
    middlewares = (
        [request_context, cors, json_errors]
        if settings.api.cors_allowed
        else [
            request_context,
            json_errors,
        ]
    )
    app = web.Application(middlewares=middlewares, client_max_size=settings.api.max_body_bytes)
    app[SETTINGS] = settings
    app[ITEM_IDS] = ItemIdDirectory()
    app.cleanup_ctx.extend([_redis_lifespan, _cache_filler_lifespan, _local_cache_lifespan])
    app.cleanup_ctx.append(_db_lifespan)
    app.cleanup_ctx.extend([feeds_lifespan, alerts_lifespan])
    # Built from the enabled sources now: what /openapi.json says is what the handlers take.
    planners = enabled_planners(settings)  # planning needs no I/O: nothing to open or close
    app[PLANNERS] = planners
    app[HTTP_MODELS] = http_models(
        detail_id_types(planners), default=default_source(settings.api.sources)
    )
    routes = build_routes(app[HTTP_MODELS])
    add_routes(app, routes)
    add_dashboard_routes(app)
    spec = build_openapi(routes + DASHBOARD_ROUTES, title="item-sync", version=_version())
    spec = document_resume(spec)
    app[OPENAPI] = orjson.dumps(spec)
    return app


def _version() -> str:
    try:
        return metadata.version("item-sync")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0"


def _item_reads(fetch: Callable[[list[int]], Awaitable[Mapping[int, T]]]) -> Coalescer[int, T]:
    return Coalescer(fetch, max_batch=ITEM_BATCH_MAX, max_running=ITEM_BATCHES_RUNNING)


async def _redis_lifespan(app: web.Application) -> AsyncIterator[None]:
    async with redis_client(app[SETTINGS].redis) as redis:
        app[REDIS] = redis
        app[CACHED_ITEMS] = _item_reads(partial(cached_items, redis))
        yield


async def _cache_filler_lifespan(app: web.Application) -> AsyncIterator[None]:
    ttl_ms = int(app[SETTINGS].cache.item_ttl.total_seconds() * 1000)
    filler = CacheFiller(app[REDIS], ttl_ms)
    app[CACHE_FILLER] = filler
    task = asyncio.create_task(filler.run())
    try:
        yield
    finally:  # fills still waiting are dropped: the next miss fills those slots
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _local_cache_lifespan(app: web.Application) -> AsyncIterator[None]:
    cache_settings = app[SETTINGS].cache
    cache = LocalItemCache(
        max_bytes=cache_settings.local_max_bytes,
        ttl_s=cache_settings.local_ttl.total_seconds(),
    )
    app[LOCAL_CACHE] = cache
    if cache.max_bytes == 0:  # turned off: never subscribed, so never used
        yield
        return
    # A client of its own: the subscriber's reconnects never touch the requests' pool.
    subscriber_settings = app[SETTINGS].redis.model_copy(update={"pool_size": 1})
    async with redis_client(subscriber_settings) as subscriber:
        stop = asyncio.Event()
        follower = asyncio.create_task(follow_item_changes(subscriber, cache, stop))
        try:
            yield
        finally:
            stop.set()  # a cancel alone can be swallowed inside redis-py's read timeout
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(follower, timeout=2.0)


async def _db_lifespan(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS].database
    async with db_pool(settings) as pool, db_pool(settings, autocommit=True) as read_pool:
        app[DB] = pool
        app[READ_DB] = read_pool
        # deleted_at is part of the answer: a deleted item is still served by id.
        rows = partial(get_items_values, read_pool, include_deleted=True)
        app[ITEM_ROWS] = _item_reads(rows)
        yield
