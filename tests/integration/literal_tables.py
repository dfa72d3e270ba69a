"""Rows written through our literal statements into a temporary table, and read back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aiomysql

from shared.db.literals import SqlValue, multi_row_statements, session_escapes


async def stored_through_literals(
    conn: aiomysql.Connection, rows: Sequence[Sequence[SqlValue]], *, max_bytes: int
) -> list[tuple[Any, ...]]:
    """Write ``(id, body, at)`` rows as literals in the session's escaping mode; what MySQL
    then holds, by id."""
    async with conn.cursor() as cur:
        await cur.execute(
            "CREATE TEMPORARY TABLE literal_round_trip (id INT PRIMARY KEY,"
            " body LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, at DATETIME(6))"
        )
        try:
            for statement in multi_row_statements(
                "INSERT INTO literal_round_trip (id, body, at)",
                rows,
                "",
                max_bytes=max_bytes,
                no_backslash_escapes=session_escapes(conn),
            ):
                await cur.execute(statement)
            await cur.execute("SELECT id, body, at FROM literal_round_trip ORDER BY id")
            return [tuple(row) for row in await cur.fetchall()]
        finally:
            await cur.execute("DROP TEMPORARY TABLE literal_round_trip")
