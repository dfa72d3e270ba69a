"""Fixtures every test shares: no retry sleeps, clean structlog, real-service gates."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pymysql
import pytest
import redis
import stamina
import structlog

from harness.backends import REDIS_HOST, REDIS_PORT, service_missing
from shared.observability.log_sink import LineHandler


@pytest.fixture(autouse=True)
def _no_retry_sleeps() -> Iterator[None]:
    """Retries still happen in tests, but nothing sleeps between attempts."""
    stamina.set_testing(True, attempts=3)
    yield
    stamina.set_testing(False)


@pytest.fixture(autouse=True)
def _fresh_structlog() -> Iterator[None]:
    """Each test starts with structlog's defaults, no bound context and no log handler of ours."""
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
    yield
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
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
