"""Health warnings for a Redis that can lose queued entries: no persistence, or eviction."""

from __future__ import annotations

import asyncio
import json

import fakeredis
import pytest

from harness.processes import free_port
from shared.config import MetricsSettings
from shared.redis.durability import RedisDurability, durability_warnings, redis_warnings
from shared.runtime.worker_endpoint import worker_endpoint
from tests.unit.test_worker_endpoint import fetch


@pytest.mark.parametrize(
    ("durability", "mentions"),
    [
        pytest.param(RedisDurability(True, "", "noeviction"), [], id="aof"),
        pytest.param(RedisDurability(False, "3600 1 300 100", "noeviction"), [], id="rdb"),
        pytest.param(RedisDurability(True, None, "noeviction"), [], id="aof, config denied"),
        pytest.param(RedisDurability(False, "", "noeviction"), ["no persistence"], id="none"),
        pytest.param(
            RedisDurability(False, None, "noeviction"), ["appendonly no"], id="unknown save"
        ),
        pytest.param(
            RedisDurability(True, "", "allkeys-lru"), ["maxmemory-policy is allkeys-lru"], id="lru"
        ),
        pytest.param(
            RedisDurability(False, "", "volatile-ttl"),
            ["no persistence", "maxmemory-policy is volatile-ttl"],
            id="both",
        ),
    ],
)
def test_each_way_to_lose_entries_is_one_warning(
    durability: RedisDurability, mentions: list[str]
) -> None:
    """No persistence and an evicting policy each give one warning; AOF or RDB alone is enough."""
    warnings = durability_warnings(durability)
    assert len(warnings) == len(mentions)
    for warning, mention in zip(warnings, mentions, strict=True):
        assert mention in warning


async def test_unreadable_redis_gives_no_warnings() -> None:
    """A Redis that does not answer INFO adds no warning: its own check reports the trouble."""
    client = fakeredis.FakeAsyncRedis()  # knows no INFO
    assert await redis_warnings(client) == []
    await client.aclose()


async def test_worker_health_lists_warnings_and_stays_200() -> None:
    """A worker's /health answers 200 with the warnings listed beside its checks."""
    port = free_port()

    async def warnings() -> list[str]:
        return ["redis: no persistence"]

    settings = MetricsSettings(host="127.0.0.1", port=port)
    async with worker_endpoint(settings, {}, warnings=warnings):
        status, body = await asyncio.to_thread(fetch, port, "/health")
    assert (status, json.loads(body)["warnings"]) == (200, ["redis: no persistence"])
