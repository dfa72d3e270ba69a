"""A hostile upstream against sessions in NO_BACKSLASH_ESCAPES and ANSI_QUOTES mode.

Names and payloads carry quotes, backslashes, NUL, 4-byte UTF-8, SQL and a 30-digit
integer; one detail holds a lone surrogate escape. Every good item must be stored byte
for byte and served with exact integers, the bad one recorded as an item error, and
nothing else in the database may change.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymysql
import pytest

from harness.processes import Pipeline, migrated_pipeline
from harness.standin.hostile import BIG_INTEGER, LONE_SURROGATE_ID
from harness.standin.process import StandinProcess, run_standin
from tests.e2e.client import http, pending_entries, served_details, stored_rows, sync
from tests.e2e.conftest import E2E_DATABASE, e2e_env

HOSTILE_SQL_MODE = "NO_BACKSLASH_ESCAPES,ANSI_QUOTES,STRICT_TRANS_TABLES"
# One job of 7 items in pages of 4: the job, its two pages, the one failure, each list
# page's answer with its ETag, the audit row of the POST /sync that asked for it, and the
# source's counts row its first items open.
LEDGER_ROWS = {
    "sync_jobs": 1,
    "sync_job_pages": 2,
    "sync_job_errors": 1,
    "list_answers": 2,
    "audit_log": 1,
    "source_item_counts": 1,
}


@pytest.fixture
def standin() -> Iterator[StandinProcess]:
    """The stand-in PokeAPI serving the hostile catalogue."""
    with run_standin("--hostile") as server:
        yield server


@pytest.fixture
def pipeline(backends: None, standin: StandinProcess, tmp_path: Path) -> Iterator[Pipeline]:
    """A migrated database whose every service session runs in the hostile sql_mode."""
    env = e2e_env(standin, DATABASE_SQL_MODE=HOSTILE_SQL_MODE, POKEAPI_PAGE_SIZE="4")
    with migrated_pipeline(env, tmp_path) as running:
        yield running


def _database_state() -> tuple[list[str], dict[str, int], dict[str, str]]:
    """Table names, rows per table, and item errors by external id."""
    conn = pymysql.connect(host="127.0.0.1", user="root", password="", database=E2E_DATABASE)
    with conn.cursor() as cur:
        cur.execute("SHOW TABLES")
        tables = sorted(row[0] for row in cur.fetchall())
        counts = {}
        for table in tables:
            cur.execute(f"SELECT COUNT(*) FROM `{table}`")  # noqa: S608 - names from SHOW TABLES
            counts[table] = int(cur.fetchone()[0])
        cur.execute("SELECT external_id, error FROM sync_job_errors")
        errors = dict(cur.fetchall())
    conn.close()
    return tables, counts, errors


def test_hostile_items_are_stored_exactly_and_run_nothing(
    pipeline: Pipeline, standin: StandinProcess
) -> None:
    """Good items land byte for byte, the lone surrogate fails alone, nothing else changes."""
    pipeline.start_and_wait("api", "fetcher", "writer")
    tables_before, counts_before, _ = _database_state()

    finished = sync(pipeline)

    assert finished["status"] == "partial", pipeline.logs()
    assert (finished["items_created"], finished["items_failed"]) == (6, 1)
    served = served_details(standin)
    rows = stored_rows(pipeline)
    good = {key: body for key, body in served.items() if key != str(LONE_SURROGATE_ID)}
    assert sorted(rows) == sorted(good)
    for external_id, body in good.items():
        assert rows[external_id]["payload"].encode() == body, external_id
        assert rows[external_id]["name"] == json.loads(body)["name"], external_id
        _, answer = http("GET", f"{pipeline.api_url}/items/{rows[external_id]['id']}")
        assert answer["payload"] == json.loads(body), external_id  # exact integers
        assert answer["payload"]["n"] == int(BIG_INTEGER)

    tables_after, counts_after, errors = _database_state()
    assert tables_after == tables_before
    expected: dict[str, Any] = dict(counts_before)
    expected["items"] += 6
    expected["item_payloads"] += 6
    for table, added in LEDGER_ROWS.items():
        expected[table] += added
    assert counts_after == expected
    assert list(errors) == [str(LONE_SURROGATE_ID)]
    assert "lone surrogate" in errors[str(LONE_SURROGATE_ID)]
    assert pending_entries(pipeline) == 0
