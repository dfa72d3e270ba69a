"""Where the tests and benchmarks find Redis and MariaDB, so parallel runs can keep apart.

``ITEMSYNC_TEST_REDIS_PORT`` points every test at another Redis server and
``ITEMSYNC_TEST_DB_SUFFIX`` renames every test database; by default the tests
use 127.0.0.1:6379 and databases named ``item_sync_<suite>``.
"""

from __future__ import annotations

import os

import pytest

REDIS_HOST = "127.0.0.1"
REDIS_PORT = int(os.environ.get("ITEMSYNC_TEST_REDIS_PORT", "6379"))
REDIS_TEST_DB = 15  # flushed before and after each test that uses it
MYSQL_HOST = "127.0.0.1"
_DB_SUFFIX = os.environ.get("ITEMSYNC_TEST_DB_SUFFIX", "")


def database_name(base: str) -> str:
    """The test database called ``base``, renamed for this run."""
    return f"{base}{_DB_SUFFIX}"


def user_name(base: str) -> str:
    """The MySQL user called ``base``, renamed for this run: users are server-wide too."""
    return f"{base}{_DB_SUFFIX}"


def service_missing(what: str, error: BaseException) -> None:
    """Skip locally when a real service is unreachable, but fail under ``CI=true``."""
    message = f"{what} is not reachable: {type(error).__name__}: {error}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)
