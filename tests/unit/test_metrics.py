"""The metrics module: counters from call sites, gauges read from Redis, the text format."""

from __future__ import annotations

import contextlib
import re

import aiohttp
import fakeredis
import pytest
import structlog
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis

from shared.config import RetrySettings
from shared.errors import PermanentUpstreamError, TransientUpstreamError
from shared.observability.metrics import count_items, refresh_shared_gauges, render_metrics
from shared.resilience.breaker import Breaker
from shared.resilience.retry import upstream_attempts
from shared.sources.http import get_document
from shared.streams import names
from shared.streams.groups import ensure_groups
from tests.unit.fake_upstream import FakeUpstream

URL = "http://upstream.test/thing"
ANY_URL = re.compile(r"^http://upstream\.test/.*$")


def value(name: str, **labels: str) -> float:
    """One sample's current value in the default registry; 0 when it has none yet."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_count_items_adds_pages_and_each_outcome() -> None:
    """One job's tally adds to pages written and to each outcome of its source."""
    count_items("t-count", pages=2, created=3, updated=1, unchanged=4, failed=0)
    count_items("t-count", pages=1, created=1, updated=0, unchanged=0, failed=2)
    assert value("itemsync_items_total", source="t-count", outcome="created") == 4
    assert value("itemsync_items_total", source="t-count", outcome="updated") == 1
    assert value("itemsync_items_total", source="t-count", outcome="unchanged") == 4
    assert value("itemsync_items_total", source="t-count", outcome="failed") == 2
    assert value("itemsync_pages_written_total", source="t-count") == 3


@pytest.mark.parametrize(
    ("answer", "status", "raised"),
    [
        ({"status": 200, "payload": {"ok": True}}, "200", None),
        ({"status": 404}, "404", PermanentUpstreamError),
        ({"status": 503}, "503", TransientUpstreamError),
        ({"exception": TimeoutError()}, "timeout", TransientUpstreamError),
        ({"exception": aiohttp.ClientConnectionError()}, "error", TransientUpstreamError),
    ],
)
async def test_upstream_requests_are_counted_by_source_and_status(
    session: aiohttp.ClientSession,
    upstream: FakeUpstream,
    answer: dict[str, object],
    status: str,
    raised: type[Exception] | None,
) -> None:
    """Every GET counts once under its source and HTTP status, or timeout/error without one."""
    before = value("itemsync_upstream_requests_total", source="t-http", status=status)
    upstream.get(ANY_URL, **answer)
    with pytest.raises(raised) if raised else contextlib.nullcontext():
        await get_document(session, URL, source="t-http", what="thing", timeout_s=1)
    after = value("itemsync_upstream_requests_total", source="t-http", status=status)
    assert after == before + 1


async def test_stream_gauges_show_length_pending_and_lag(redis: Redis) -> None:
    """Lengths, pending and lag per group come from XLEN and XINFO GROUPS at scrape time."""
    await ensure_groups(redis)
    for n in range(3):
        await redis.xadd(names.COMMANDS, {"n": str(n)})
    await redis.xreadgroup(names.FETCHERS, "f-1", {names.COMMANDS: ">"}, count=2)
    await refresh_shared_gauges(redis, [])
    commands = {"stream": names.COMMANDS}
    assert value("itemsync_stream_length", **commands) == 3
    assert value("itemsync_stream_pending", group=names.FETCHERS, **commands) == 2
    assert value("itemsync_stream_length", stream=names.DEAD) == 0
    assert value("itemsync_stream_pending", stream=names.PAGES, group=names.WRITERS) == 0
    lag = REGISTRY.get_sample_value("itemsync_stream_lag", {"group": names.FETCHERS, **commands})
    assert lag in (None, 1)  # Redis 7 reports lag; older servers and fakes may not


async def test_breaker_state_is_read_per_source(redis: Redis) -> None:
    """Each source's breaker shows as exactly one of closed, open, half_open."""
    breaker = Breaker(redis=redis, source="t-open", threshold=1, open_ms=60_000, probe_ms=1000)
    await breaker.failed()
    await refresh_shared_gauges(redis, ["t-open", "t-never-used"])
    assert value("itemsync_breaker_state", source="t-open", itemsync_breaker_state="open") == 1
    assert value("itemsync_breaker_state", source="t-open", itemsync_breaker_state="closed") == 0
    closed = value("itemsync_breaker_state", source="t-never-used", itemsync_breaker_state="closed")
    assert closed == 1
    assert value("itemsync_breaker_failures", source="t-open") == 1


async def test_unreachable_redis_is_logged_not_raised() -> None:
    """A scrape while Redis is down keeps the process's own metrics and logs why."""
    server = fakeredis.FakeServer()
    server.connected = False
    client: Redis = fakeredis.FakeAsyncRedis(server=server)
    with structlog.testing.capture_logs() as logs:
        await refresh_shared_gauges(client, ["pokemon"])
    await client.aclose()
    assert [line["event"] for line in logs] == ["metrics.redis_unavailable"]
    body, _ = render_metrics()
    assert b"itemsync_items_total" in body


async def test_retries_are_exported_by_stamina() -> None:
    """A retried upstream call shows in stamina_retries_total in the rendered text."""
    before = sum(
        sample.value
        for family in text_string_to_metric_families(render_metrics()[0].decode())
        if family.name == "stamina_retries"
        for sample in family.samples
        if sample.name == "stamina_retries_total"
    )
    calls = 0
    async for attempt in upstream_attempts(RetrySettings(max_retries=2)):
        with attempt:
            calls += 1
            if calls < 2:
                raise TransientUpstreamError("thing: HTTP 503")
    body, content_type = render_metrics()
    after = sum(
        sample.value
        for family in text_string_to_metric_families(body.decode())
        if family.name == "stamina_retries"
        for sample in family.samples
        if sample.name == "stamina_retries_total"
    )
    assert content_type.startswith("text/plain")
    assert after == before + 1
