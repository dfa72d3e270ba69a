"""/health against Redis servers of our own, set up as a queue or as a cache."""

from __future__ import annotations

from typing import Any

import aiomysql
import pytest
from aiohttp.test_utils import TestClient, TestServer

from harness.redis_server import redis_server
from services.api.app import create_app
from shared.config import RedisSettings, Settings
from shared.redis.client import redis_client
from shared.redis.durability import read_durability, redis_warnings

AS_A_QUEUE = ("--appendonly", "yes", "--appendfsync", "everysec", "--save", "")
AS_A_CACHE = ("--appendonly", "no", "--save", "", "--maxmemory-policy", "allkeys-lru")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(AS_A_QUEUE, [], id="queue"),
        pytest.param(("--appendonly", "no", "--save", "900 1"), [], id="rdb only"),
        pytest.param(AS_A_CACHE, ["no persistence", "allkeys-lru"], id="cache"),
    ],
)
async def test_warnings_read_from_a_real_redis(args: tuple[str, ...], expected: list[str]) -> None:
    """INFO and CONFIG GET of a real server give a warning for each way it can lose entries."""
    with redis_server(*args) as port:
        async with redis_client(RedisSettings(host="127.0.0.1", port=port)) as redis:
            durability = await read_durability(redis)
            warnings = await redis_warnings(redis)
    assert durability.aof_enabled == ("yes" in args[:2])
    assert len(warnings) == len(expected)
    for warning, mention in zip(warnings, expected, strict=True):
        assert mention in warning


async def test_api_health_reports_a_cache_redis_and_stays_200(
    settings: Settings, pool: aiomysql.Pool
) -> None:
    """The API's /health answers 200 on a Redis run as a cache, listing both warnings."""
    with redis_server(*AS_A_CACHE) as port:
        app_settings = settings.model_copy(
            update={"redis": RedisSettings(host="127.0.0.1", port=port)}
        )
        client: TestClient[Any, Any]
        async with TestClient(TestServer(create_app(app_settings))) as client:
            response = await client.get("/health")
            body = await response.json()
    assert response.status == 200
    assert body["status"] == "ok"
    assert [w.split(":")[0] for w in body["warnings"]] == ["redis", "redis"]
    assert "no persistence" in body["warnings"][0]
    assert "allkeys-lru" in body["warnings"][1]
