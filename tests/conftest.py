"""Fixtures for every suite: no retry sleeps, clean structlog, service gates, shared set-ups."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator, Iterator

import fakeredis
import pymysql
import pytest
import redis
import stamina
import structlog
from redis.asyncio import Redis

from harness.backends import REDIS_HOST, REDIS_PORT, REDIS_TEST_DB, service_missing
from harness.standin.process import StandinProcess, run_standin
from shared.config import RedisSettings
from shared.observability.log_sink import LineHandler
from shared.observability.logging import bind_request_fields
from shared.redis.client import redis_client


@pytest.fixture(autouse=True)
def _no_retry_sleeps() -> Iterator[None]:
    """Retries still happen in tests, but nothing sleeps between attempts."""
    stamina.set_testing(True, attempts=3)
    yield
    stamina.set_testing(False)


@pytest.fixture(autouse=True)
def _fresh_structlog() -> Iterator[None]:
    """Each test starts with structlog's defaults, no bound context or request fields, and no
    log handler of ours."""
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
    bind_request_fields()
    yield
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
    bind_request_fields()
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, LineHandler)]:
        root.removeHandler(handler)
    root.setLevel(logging.WARNING)


@pytest.fixture
def backends() -> None:
    """Fail (CI) or skip (locally) when MariaDB or Redis is not reachable."""
    try:
        pymysql.connect(host="127.0.0.1", user="root", password="", connect_timeout=3).close()
    except pymysql.err.OperationalError as exc:
        service_missing("MariaDB", exc)
    try:
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        service_missing("Redis", exc)


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port something listens on for the length of the test."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


@pytest.fixture
def weather_standin(weather_key: str) -> Iterator[StandinProcess]:
    """The stand-in with five Pokémon, answering OpenWeather only for ``weather_key``."""
    with run_standin("--list-limit", "5", "--openweather-key", weather_key) as server:
        yield server


@pytest.fixture(params=["fake", pytest.param("real", marks=pytest.mark.integration)])
async def any_redis(request: pytest.FixtureRequest) -> AsyncIterator[Redis]:
    """The same contract against fakeredis and a real, flushed Redis DB."""
    if request.param == "fake":
        client = fakeredis.FakeAsyncRedis(decode_responses=False)
        yield client
        await client.aclose()
        return
    settings = RedisSettings(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_TEST_DB)
    async with redis_client(settings) as client:
        try:
            await client.flushdb()
        except (redis.RedisError, OSError) as exc:
            service_missing("Redis", exc)
        yield client
        await client.flushdb()
