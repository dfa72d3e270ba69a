"""``GET /streams``, ``GET /sources`` and ``GET /search/items``: what the dashboard shows."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from services.api.keys import DB, REDIS, SETTINGS
from services.api.query import parse_query
from services.api.responses import json_response
from shared.config import Settings
from shared.db.items import search_items
from shared.db.jobs import list_jobs
from shared.models.dashboard import (
    BreakerOut,
    BudgetOut,
    ItemSearchQuery,
    SourceOut,
    SourcesOut,
    StreamsOut,
)
from shared.models.http import ItemsPage
from shared.models.items import ItemOut
from shared.models.jobs import JobOut
from shared.resilience.breaker import read_breaker
from shared.streams import names
from shared.streams.inspect import describe_streams
from shared.values.clock import utc_now


async def get_streams(request: web.Request) -> web.Response:
    """Length, and per group lag, pending and each consumer's idle time."""
    return json_response(StreamsOut(streams=await describe_streams(request.app[REDIS])))


async def get_sources(request: web.Request) -> web.Response:
    """Per configured source: breaker, request budget, last job and next scheduled run."""
    settings = request.app[SETTINGS]
    redis, pool = request.app[REDIS], request.app[DB]
    now = utc_now()
    answers = []
    for name in settings.api.sources:
        breaker = await read_breaker(redis, name)
        jobs, _ = await list_jobs(pool, source=name, status=None, limit=1, offset=0)
        budget: Any = await redis.hgetall(names.budget_key(name))
        answers.append(
            SourceOut(
                name=name,
                breaker=BreakerOut(
                    state=breaker.state,
                    failures=breaker.failures,
                    trips=breaker.trips,
                    open_until_ms=breaker.open_until_ms,
                ),
                budget=_budget(settings, name, budget),
                last_job=JobOut.from_row(jobs[0], now) if jobs else None,
                next_scheduled_at=_next_run(settings),
            )
        )
    return json_response(SourcesOut(sources=answers))


async def get_item_search(request: web.Request) -> web.Response:
    """Items whose name starts with ``q`` or whose upstream id is ``q``."""
    query = parse_query(request, ItemSearchQuery)
    rows = await search_items(
        request.app[DB], query.q, api_source=query.api_source, limit=query.limit
    )
    items = [ItemOut.from_row(row) for row in rows]
    return json_response(ItemsPage(items=items, total=len(items), limit=query.limit, offset=0))


def _budget(settings: Settings, source: str, stored: dict[bytes, bytes]) -> BudgetOut:
    section = getattr(settings, source, None)
    rate = getattr(section, "rate_limit", None)
    limit = None if rate is None else rate.count / rate.period.total_seconds()
    fields = {k.decode(): v.decode() for k, v in stored.items()}
    next_free_us = float(fields.get("next_free_us", 0))
    ahead_ms = max(0.0, (next_free_us - time.time() * 1_000_000) / 1000)
    return BudgetOut(
        limit_per_s=limit,
        granted=int(fields.get("granted", 0)),
        delayed=int(fields.get("delayed", 0)),
        reserved_ahead_ms=round(ahead_ms, 1),
    )


def _next_run(settings: Settings) -> datetime | None:
    """The next interval boundary the scheduler ticks on (it aligns to the epoch)."""
    if not settings.worker.enabled:
        return None
    interval_s = settings.worker.sync_interval.total_seconds()
    now_s = time.time()
    boundary = math.floor(now_s / interval_s + 1) * interval_s
    return datetime.fromtimestamp(boundary, tz=UTC)
