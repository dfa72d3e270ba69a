"""``db_pool()``: the one place MySQL connections are made.

Every session is pinned when it opens: utf8mb4, UTC, the configured ``sql_mode``, and
one statement per query. aiomysql always asks for multi-statements, which would let a
broken literal run a second statement; the client flag below refuses that.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiomysql
from pymysql.constants import CLIENT

from shared.config import DatabaseSettings


class _SingleStatementFlag(int):
    """A client flag that never gains MULTI_STATEMENTS, which aiomysql ORs in unasked."""

    def __or__(self, other: int) -> _SingleStatementFlag:
        return _SingleStatementFlag((int(self) | other) & ~CLIENT.MULTI_STATEMENTS)


def session_init_sql(settings: DatabaseSettings) -> str:
    """The statement every new connection runs first (``sql_mode`` is pattern-checked)."""
    return (
        "SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci, time_zone = '+00:00',"
        f" sql_mode = '{settings.sql_mode}'"
    )


@asynccontextmanager
async def db_pool(
    settings: DatabaseSettings, *, database: bool = True, autocommit: bool = False
) -> AsyncIterator[aiomysql.Pool]:
    """A pool of ``pool_size`` pinned connections in explicit transactions.

    With ``autocommit`` each statement is its own transaction: for single-statement
    reads, which then need no COMMIT round trip to see the next write.
    """
    pool = await aiomysql.create_pool(
        host=settings.host,
        port=settings.port,
        user=settings.user,
        password=settings.password.get_secret_value(),
        db=settings.database if database else None,
        minsize=0,  # connect lazily: a service starts (and reports 503) while MySQL is down
        maxsize=settings.pool_size,
        autocommit=autocommit,
        charset="utf8mb4",
        client_flag=_SingleStatementFlag(0),
        init_command=session_init_sql(settings),
        connect_timeout=5,
        pool_recycle=3600,
    )
    try:
        yield pool
    finally:
        pool.close()
        await pool.wait_closed()
