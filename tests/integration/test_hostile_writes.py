"""Hostile names and payloads land as themselves, and run nothing, in any escaping mode."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiomysql
import pytest

from services.writer.upsert import apply_batch
from shared.config import DatabaseSettings
from shared.db.pool import db_pool
from shared.db.validators import ValidatorStore
from shared.models.pages import FetchedItem
from shared.sources.documents import parse_document
from shared.sources.validators import Validator
from tests.integration.jobs_helpers import new_job, page, stored_items

NAMES = [
    "x'; SELECT CURRENT_USER(); -- ",
    "'; DROP TABLE items; --",
    "back\\slash\\' and \\\\",
    'nul \0 quote " `tick`',
    "four-byte 🐉 𝄞",
]
PAYLOAD = '{ "n": 123456789012345678901234567890, "s": "\\u0000\'\\"\\\\", "z": 1,"a" : [ ] }'


@pytest.fixture(params=["STRICT_TRANS_TABLES", "NO_BACKSLASH_ESCAPES,ANSI_QUOTES"])
async def mode_pool(
    request: pytest.FixtureRequest, pool: aiomysql.Pool, database_settings: DatabaseSettings
) -> AsyncIterator[aiomysql.Pool]:
    """A pool on the emptied test schema whose sessions run in the given sql_mode."""
    settings = database_settings.model_copy(update={"sql_mode": request.param})
    async with db_pool(settings) as hostile:
        yield hostile


async def _tables(pool: aiomysql.Pool) -> list[str]:
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SHOW TABLES")
        return sorted(row[0] for row in await cur.fetchall())


async def test_hostile_items_are_stored_exactly(mode_pool: aiomysql.Pool) -> None:
    """Each name and the payload text come back byte for byte; no table changes."""
    tables = await _tables(mode_pool)
    job = await new_job(mode_pool)
    items = [
        FetchedItem(external_id=str(i), name=name, content_hash=f"{i:064x}", payload=PAYLOAD)
        for i, name in enumerate(NAMES, start=1)
    ]
    async with mode_pool.acquire() as conn:
        await apply_batch(
            conn, [page(job, "list:0", items, pages_total=1)], max_statement_bytes=300
        )
    stored = await stored_items(mode_pool)
    assert {key: row[0] for key, row in stored.items()} == {
        item.external_id: PAYLOAD for item in items
    }
    async with mode_pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT external_id, name FROM items ORDER BY id")
        assert [tuple(row) for row in await cur.fetchall()] == [
            (item.external_id, item.name) for item in items
        ]
    assert await _tables(mode_pool) == tables


async def test_the_payload_column_keeps_text(pool: aiomysql.Pool) -> None:
    """The payload is stored as text: every server keeps its bytes."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT DATA_TYPE, COLLATION_NAME FROM information_schema.COLUMNS"
            " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'item_payloads'"
            " AND COLUMN_NAME = 'payload'"
        )
        assert await cur.fetchone() == ("longtext", "utf8mb4_bin")


async def test_a_deeply_nested_document_is_stored_as_received(pool: aiomysql.Pool) -> None:
    """JSON nested past MariaDB's JSON_VALID limit (31 levels) is written with its page."""
    nested = "[" * 40 + "1" + "]" * 40
    parse_document(nested.encode(), what="detail")  # the fetcher takes it as JSON
    job = await new_job(pool)
    items = [
        FetchedItem(external_id="1", name="deep", content_hash="1" * 64, payload=nested),
        FetchedItem(external_id="2", name="flat", content_hash="2" * 64, payload=PAYLOAD),
    ]
    async with pool.acquire() as conn:
        await apply_batch(
            conn, [page(job, "list:0", items, pages_total=1)], max_statement_bytes=300
        )
    stored = await stored_items(pool)
    assert {key: row[0] for key, row in stored.items()} == {"1": nested, "2": PAYLOAD}


async def test_hostile_list_answers_are_stored_exactly(mode_pool: aiomysql.Pool) -> None:
    """A list page's answer, its validators and link come back byte for byte; nothing runs."""
    tables = await _tables(mode_pool)
    store = ValidatorStore(mode_pool)
    body = "[" + ", ".join(f'{{"name": "{name}"}}' for name in NAMES) + "] %s %(x)s " + PAYLOAD
    validator = Validator(etag='W/"x\'\\"', last_modified="Tue, 01 Dec 2026 '; --")
    url = "http://upstream/issues?q=x'; DROP TABLE list_answers; --"
    for _ in range(2):  # the insert, then the update of the same page
        await store.save_list_answer("github", url, validator, body, NAMES[2])
    stored = await store.list_answer("github", url)
    assert stored is not None
    assert (stored.validator, stored.text, stored.link) == (validator, body, NAMES[2])
    assert await _tables(mode_pool) == tables


async def test_ids_that_differ_only_in_trailing_spaces_are_separate_items(
    pool: aiomysql.Pool,
) -> None:
    """Three upstream ids, "7", "7 " and "7  ": three rows created with their own payloads;
    the same page again finds all three unchanged; page keys differ the same way."""
    items = [
        FetchedItem(external_id=key, name=key, content_hash=f"{n:064x}", payload=f'{{"n":{n}}}')
        for n, key in enumerate(["7", "7 ", "7  "], start=1)
    ]
    first = await new_job(pool)
    async with pool.acquire() as conn:
        result = await apply_batch(
            conn,
            [page(first, "list:7", items[:2]), page(first, "list:7 ", items[2:])],
            max_statement_bytes=4096,
        )
    assert result.tallies[first.id].pages == 2  # neither page is a duplicate of the other
    assert result.tallies[first.id].created == 3
    stored = await stored_items(pool)
    assert {key: row[0] for key, row in stored.items()} == {
        item.external_id: item.payload for item in items
    }

    again = await new_job(pool)
    async with pool.acquire() as conn:
        result = await apply_batch(conn, [page(again, "list:7", items)], max_statement_bytes=4096)
    assert result.tallies[again.id].unchanged == 3
    assert result.tallies[again.id].created == 0
