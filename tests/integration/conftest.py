"""Real Redis and MariaDB: a test schema migrated once, tables emptied per test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiomysql
import pymysql
import pytest
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis
from redis.exceptions import RedisError

from harness.backends import REDIS_HOST, REDIS_PORT, REDIS_TEST_DB, database_name, service_missing
from services.api.app import create_app
from shared.config import DatabaseSettings, RedisSettings, Settings
from shared.db.migrate import migrate
from shared.db.pool import db_pool
from shared.redis.client import redis_client

TEST_DATABASE = database_name("item_sync_test")
TABLES = (
    "items",
    "item_payloads",
    "sync_jobs",
    "sync_job_pages",
    "sync_job_errors",
    "audit_log",
    "list_answers",
    "source_item_counts",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder talks to real services."""
    for item in items:
        if "tests/integration/" in str(item.path):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def database_settings() -> DatabaseSettings:
    """The dedicated test schema."""
    return DatabaseSettings(database=TEST_DATABASE, host="127.0.0.1", pool_size=8)


@pytest.fixture(scope="session")
def redis_settings() -> RedisSettings:
    """A Redis DB used only by these tests."""
    return RedisSettings(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_TEST_DB)


@pytest.fixture(scope="session")
def _schema(database_settings: DatabaseSettings) -> None:
    """Drop and re-create the test schema once per session."""
    try:
        conn = pymysql.connect(host=database_settings.host, user="root", password="")
    except pymysql.err.OperationalError as exc:
        service_missing("MariaDB", exc)
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{TEST_DATABASE}`")
    conn.close()
    asyncio.run(migrate(database_settings))


@pytest.fixture
def settings(database_settings: DatabaseSettings, redis_settings: RedisSettings) -> Settings:
    """Settings pointing at the test schema and Redis DB, with a write token."""
    return Settings(
        _env_file=None,
        database=database_settings,
        redis=redis_settings,
        api={"token": "test-token"},
    )


@pytest.fixture
async def pool(_schema: None, database_settings: DatabaseSettings) -> AsyncIterator[aiomysql.Pool]:
    """A pool on the test schema with every table emptied."""
    async with db_pool(database_settings) as pool:
        async with pool.acquire() as conn, conn.cursor() as cur:
            for table in TABLES:
                await cur.execute(f"TRUNCATE TABLE {table}")
            await conn.commit()
        yield pool


@pytest.fixture
async def redis(redis_settings: RedisSettings) -> AsyncIterator[Redis]:
    """A client on the flushed test DB."""
    async with redis_client(redis_settings) as client:
        try:
            await client.flushdb()
        except RedisError as exc:
            service_missing("Redis", exc)
        yield client
        await client.flushdb()


@pytest.fixture
async def api_client(
    settings: Settings, pool: aiomysql.Pool, redis: Redis
) -> AsyncIterator[TestClient[Any, Any]]:
    """A client of the real app on the emptied test schema and Redis DB."""
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client
