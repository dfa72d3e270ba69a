"""The API's /metrics and /health against real Redis and MariaDB."""

from __future__ import annotations

from typing import Any

import aiomysql
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis

from shared.streams.groups import ensure_groups

AUTH = {"Authorization": "Bearer test-token"}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, keyed by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_show_routes_streams_and_breakers(
    api_client: TestClient[Any, Any], redis: Redis
) -> None:
    """After a sync request, /metrics has its route pattern, the new backlog and the breaker."""
    await ensure_groups(redis)  # as the workers do when they start
    accepted = await api_client.post("/sync", json={"api_source": "pokemon"}, headers=AUTH)
    assert accepted.status == 202
    job_id = (await accepted.json())["job_id"]
    assert (await api_client.get(f"/jobs/{job_id}")).status == 200

    response = await api_client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    found = samples(await response.text())
    routes = {
        dict(labels).get("route") for name, labels in found if name.startswith("itemsync_http")
    }
    assert {"/sync", "/jobs/{id}"} <= routes
    assert not any(route and job_id in route for route in routes)
    commands = ("itemsync_stream_length", (("stream", "itemsync:commands"),))
    assert found[commands] == 1
    lag = ("itemsync_stream_lag", (("group", "fetchers"), ("stream", "itemsync:commands")))
    assert found[lag] == 1
    pending = ("itemsync_stream_pending", (("group", "writers"), ("stream", "itemsync:pages")))
    assert found[pending] == 0
    closed = (
        "itemsync_breaker_state",
        (("itemsync_breaker_state", "closed"), ("source", "pokemon")),
    )
    assert found[closed] == 1


async def test_health_names_a_migration_that_is_not_applied(
    api_client: TestClient[Any, Any], pool: aiomysql.Pool
) -> None:
    """/health answers 503 naming the migrations check while a migration is not recorded."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT version, name, checksum, applied_at FROM schema_migrations")
        rows = await cur.fetchall()
        latest = max(rows)
        await cur.execute("DELETE FROM schema_migrations WHERE version = %s", (latest[0],))
        await conn.commit()
    try:
        response = await api_client.get("/health")
        body = await response.json()
    finally:
        async with pool.acquire() as conn, conn.cursor() as cur:
            await cur.execute(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at)"
                " VALUES (%s, %s, %s, %s)",
                latest,
            )
            await conn.commit()
    assert response.status == 503
    assert body["checks"]["migrations"] == f"error: not applied: {latest[1]}"
    assert (body["checks"]["redis"], body["checks"]["mysql"]) == ("ok", "ok")
    assert (await api_client.get("/health")).status == 200
