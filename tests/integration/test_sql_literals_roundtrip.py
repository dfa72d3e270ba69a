"""Values written as literals by shared/db/literals.py come back from MariaDB unchanged."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import aiomysql

from tests.integration.literal_tables import stored_through_literals

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
    async with pool.acquire() as conn:
        stored = await stored_through_literals(conn, rows, max_bytes=2000)
    assert stored == rows
