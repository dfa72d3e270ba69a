"""Where the bench keeps its data: its own Redis DB and databases named item_sync_bench*.

The Redis server is the tests' (``ITEMSYNC_TEST_REDIS_PORT``, default 6379), so one setting
keeps parallel runs apart; MariaDB is on 127.0.0.1:3306 as root with no password.
"""

from __future__ import annotations

import pymysql

from harness.backends import MYSQL_HOST, REDIS_HOST, REDIS_PORT, database_name

__all__ = ["MYSQL_HOST", "REDIS_DB", "REDIS_HOST", "REDIS_PORT", "database", "mysql_connect"]

REDIS_DB = 7  # not one the tests use
_PREFIX = "item_sync_bench"


def database(part: str) -> str:
    """The bench database for ``part``, e.g. ``item_sync_bench_pipeline``."""
    return database_name(f"{_PREFIX}_{part}")  # ITEMSYNC_TEST_DB_SUFFIX keeps parallel runs apart


def mysql_connect(db: str | None = None) -> pymysql.connections.Connection[pymysql.cursors.Cursor]:
    """A plain autocommit connection to MariaDB, optionally on ``db``."""
    return pymysql.connect(host=MYSQL_HOST, user="root", password="", database=db, autocommit=True)


def recreate_database(db: str) -> None:
    """Drop ``db`` if it exists and create it empty."""
    conn = mysql_connect()
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{db}`")
        cur.execute(f"CREATE DATABASE `{db}` CHARACTER SET utf8mb4")
    conn.close()
