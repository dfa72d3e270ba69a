"""Prometheus metrics: what every service counts, and what is read from Redis at scrape time.

Counters and histograms live in this process's default registry (as Prometheus clients do:
defining a metric touches no network). Stream and breaker gauges describe shared state,
so ``refresh_shared_gauges`` reads them from Redis just before ``render_metrics``.
stamina's default instrumentation adds ``stamina_retries_total`` to the same registry.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

import stamina.instrumentation
import structlog
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Enum,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from shared.errors import CorruptState
from shared.resilience.breaker import read_breaker
from shared.streams import names

log = structlog.get_logger()

ITEMS = Counter(
    "itemsync_items",
    "Items in committed pages, by source and outcome (created, updated, unchanged, failed).",
    ["source", "outcome"],
)
PAGES_WRITTEN = Counter(
    "itemsync_pages_written", "Pages committed to MySQL (each page once).", ["source"]
)
UPSTREAM_REQUESTS = Counter(
    "itemsync_upstream_requests",
    "Upstream HTTP requests by source and status (a code, or timeout/error without an answer).",
    ["source", "status"],
)
JOB_DURATION = Histogram(
    "itemsync_job_duration_seconds",
    "Time from a job's start to its close by a writer, by source and final status.",
    ["source", "status"],
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600),
)
HTTP_LATENCY = Histogram(
    "itemsync_http_request_duration_seconds",
    "API request latency by method, route pattern (never the raw path) and status.",
    ["method", "route", "status"],
)
STREAM_LENGTH = Gauge("itemsync_stream_length", "Entries in a stream (XLEN).", ["stream"])
STREAM_PENDING = Gauge(
    "itemsync_stream_pending",
    "Entries delivered to a group but not acknowledged yet (XINFO GROUPS pending).",
    ["stream", "group"],
)
STREAM_LAG = Gauge(
    "itemsync_stream_lag",
    "Entries a group has not been delivered yet (XINFO GROUPS lag).",
    ["stream", "group"],
)
STREAM_MEMORY = Gauge(
    "itemsync_stream_memory_bytes",
    "Bytes a stream takes in Redis (MEMORY USAGE), acknowledged entries not trimmed yet included.",
    ["stream"],
)
BACKPRESSURE = Gauge(
    "itemsync_backpressure",
    "1 while this process takes no new work because the stream it feeds is over its budget.",
    ["stream"],
)
BACKPRESSURE_ENGAGED = Counter(
    "itemsync_backpressure_engaged",
    "Times this process found the stream it feeds over its budget and started waiting.",
    ["stream"],
)
BREAKER_STATE = Enum(
    "itemsync_breaker_state",
    "Each source's shared circuit breaker, as stored in Redis.",
    ["source"],
    states=["closed", "open", "half_open"],
)
BREAKER_FAILURES = Gauge(
    "itemsync_breaker_failures", "Consecutive failures a source's breaker counts.", ["source"]
)

ITEM_OUTCOMES = ("created", "updated", "unchanged", "failed")
STREAMS = (names.COMMANDS, names.PAGES, names.DEAD)


def count_items(
    source: str, *, pages: int, created: int, updated: int, unchanged: int, failed: int
) -> None:
    """Count one job's share of a committed batch: its pages and its items by outcome."""
    PAGES_WRITTEN.labels(source).inc(pages)
    outcomes = {"created": created, "updated": updated, "unchanged": unchanged, "failed": failed}
    for outcome in ITEM_OUTCOMES:
        ITEMS.labels(source, outcome).inc(outcomes[outcome])


async def refresh_shared_gauges(redis: Redis, sources: Iterable[str]) -> None:
    """Read stream lengths, group backlogs and breaker states from Redis into the gauges.

    A Redis failure is logged and leaves the gauges as they were: the process's own
    metrics are still worth serving.
    """
    try:
        for stream in STREAMS:
            await _refresh_stream(redis, stream)
        for source in sources:
            try:
                breaker = await read_breaker(redis, source)
            except CorruptState as exc:  # /health names it; the other gauges still count
                log.warning("metrics.breaker_corrupt", source=source, error=str(exc))
                continue
            BREAKER_STATE.labels(source).state(breaker.state)
            BREAKER_FAILURES.labels(source).set(breaker.failures)
    except (RedisError, OSError) as exc:
        log.warning("metrics.redis_unavailable", error=f"{type(exc).__name__}: {exc}")


def render_metrics() -> tuple[bytes, str]:
    """The registry in Prometheus text format, and its content type."""
    # The *_created series hold a Unix time; beside item counts they read as billions of items.
    disable_created_metrics()  # type: ignore[no-untyped-call]  # prometheus_client is untyped here
    stamina.instrumentation.get_prometheus_counter()  # registers stamina_retries_total
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


async def _refresh_stream(redis: Redis, stream: str) -> None:
    STREAM_LENGTH.labels(stream).set(await redis.xlen(stream))
    with contextlib.suppress(ResponseError):  # a Redis that forbids MEMORY: no gauge
        STREAM_MEMORY.labels(stream).set(int(await redis.memory_usage(stream, samples=0) or 0))
    try:
        groups: list[dict[str, Any]] = await redis.xinfo_groups(stream)
    except ResponseError:  # the stream does not exist yet
        return
    for group in groups:
        name = _text(group["name"])
        STREAM_PENDING.labels(stream, name).set(int(group["pending"]))
        lag = group.get("lag")
        if lag is not None:  # Redis < 7, or a lag Redis cannot tell after deletions
            STREAM_LAG.labels(stream, name).set(int(lag))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
