"""Searching what a run leaves behind for a secret: every spelling, every MySQL row."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterable

import pymysql

from harness.backends import MYSQL_HOST


def spellings(secret: str) -> set[str]:
    """The secret as text, inside a JSON string, and in a URL."""
    return {
        secret,
        json.dumps(secret)[1:-1],
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
    }


def mysql_dump(database: str) -> str:
    """Every row of every table of ``database``, as text."""
    conn = pymysql.connect(host=MYSQL_HOST, user="root", password="", database=database)
    parts: list[str] = []
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW TABLES")
            tables = [str(table) for (table,) in cur.fetchall()]
            for table in tables:
                cur.execute(f"SELECT * FROM `{table}`")  # noqa: S608 - names MySQL listed
                parts.append(f"{table}: {cur.fetchall()!r}")
    finally:
        conn.close()
    return "\n".join(parts)


def assert_no_secret(captured: str, secrets: Iterable[str]) -> None:
    """None of ``secrets`` appears in ``captured`` in any spelling; else where it does."""
    for secret in secrets:
        for spelling in spellings(secret):
            at = captured.find(spelling)
            assert at < 0, f"{secret!r} found as {spelling!r} in: {captured[at - 300 : at + 100]}"
