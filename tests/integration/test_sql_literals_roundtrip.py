"""Values written as literals by shared/db/literals.py come back from MariaDB unchanged."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import aiomysql

from shared.db.literals import multi_row_statements, session_escapes

NASTY = [
    "",
    "plain",
    "\\",
    "\\'",
    "'; DROP TABLE items; --",
    '{"a": "b\\"c", "d": "\\\\n"}',
    "\0\n\r\032",
    "é中😀",
    "%s %(x)s %%",
]


async def test_nasty_strings_and_times_round_trip(pool: aiomysql.Pool) -> None:
    """Quotes, backslashes, control bytes, emoji and format markers are stored exactly."""
    rng = random.Random(7)
    alphabet = "\\\0\n\r\032'\"%ab é中😀"
    texts = NASTY + ["".join(rng.choice(alphabet) for _ in range(60)) for _ in range(200)]
    moment = datetime(2026, 11, 25, 19, 30, 1, 123456, tzinfo=UTC).replace(tzinfo=None)
    rows = [(index, text, moment) for index, text in enumerate(texts)]
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "CREATE TEMPORARY TABLE literal_check (id INT PRIMARY KEY,"
            " body LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, at DATETIME(6))"
        )
        for statement in multi_row_statements(
            "INSERT INTO literal_check (id, body, at)",
            rows,
            "",
            max_bytes=2000,
            no_backslash_escapes=session_escapes(conn),
        ):
            await cur.execute(statement)
        await cur.execute("SELECT id, body, at FROM literal_check ORDER BY id")
        stored = [tuple(row) for row in await cur.fetchall()]
    assert stored == rows
