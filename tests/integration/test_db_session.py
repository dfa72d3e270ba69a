"""Every MySQL session is pinned: its sql_mode, utf8mb4, UTC and one statement per query."""

from __future__ import annotations

from datetime import UTC, datetime

import aiomysql
import pymysql
import pytest

from shared.config import DatabaseSettings
from shared.db.literals import multi_row_statements, session_escapes
from shared.db.pool import db_pool
from tests.integration.literal_tables import stored_through_literals

HOSTILE_MODE = "NO_BACKSLASH_ESCAPES,ANSI_QUOTES,STRICT_TRANS_TABLES"
INJECTION = "x'; SELECT CURRENT_USER(); -- "


async def test_a_session_runs_one_statement_per_query(pool: aiomysql.Pool) -> None:
    """Two statements in one query are a syntax error, not two statements."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        with pytest.raises(pymysql.err.ProgrammingError):
            await cur.execute("SELECT 1; SELECT 2")


async def test_a_session_pins_its_mode_charset_and_time_zone(
    database_settings: DatabaseSettings,
) -> None:
    """The configured sql_mode, utf8mb4 and UTC hold on every pooled connection."""
    settings = database_settings.model_copy(update={"sql_mode": HOSTILE_MODE})
    async with db_pool(settings) as pool, pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT @@SESSION.sql_mode, @@character_set_client, @@character_set_connection,"
            " @@character_set_results, @@time_zone"
        )
        mode, client, connection, results, zone = await cur.fetchone()
    assert set(mode.split(",")) == set(HOSTILE_MODE.split(","))
    assert (client, connection, results, zone) == ("utf8mb4", "utf8mb4", "utf8mb4", "+00:00")


@pytest.mark.parametrize("mode", ["STRICT_TRANS_TABLES", HOSTILE_MODE])
async def test_literals_follow_the_session_mode(
    database_settings: DatabaseSettings, mode: str
) -> None:
    """Under either escaping mode a hostile string is stored as itself and runs nothing."""
    texts = [INJECTION, "\\'; DROP TABLE items; --", "a\\", "\0\n\r\032\"'`", "😀 é中"]
    moment = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC).replace(tzinfo=None)
    rows = [(index, text, moment) for index, text in enumerate(texts)]
    settings = database_settings.model_copy(update={"sql_mode": mode})
    async with db_pool(settings) as pool, pool.acquire() as conn:
        stored = await stored_through_literals(conn, rows, max_bytes=200)
    assert stored == rows


async def test_a_session_mode_set_later_is_still_escaped_for(pool: aiomysql.Pool) -> None:
    """Escaping reads the mode the server reports, so a mode changed mid-session is honoured."""
    rows = [(1, INJECTION, None)]
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')")
        await cur.execute(
            "CREATE TEMPORARY TABLE literal_late (id INT PRIMARY KEY, body TEXT, at DATETIME)"
        )
        (statement,) = multi_row_statements(
            "INSERT INTO literal_late (id, body, at)",
            rows,
            "",
            max_bytes=1000,
            no_backslash_escapes=session_escapes(conn),
        )
        await cur.execute(statement)
        await cur.execute("SELECT body FROM literal_late")
        assert await cur.fetchall() == ((INJECTION,),)
