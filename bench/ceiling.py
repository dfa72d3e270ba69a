"""The limits without streams: one process that fetches and upserts, and the raw upsert.

(a) fetches the same list pages and details with bounded concurrency (aiohttp) and
batch-upserts the rows with aiomysql ``executemany``, the ceiling for the whole job;
(b) upserts the same rows again from memory into an empty table, the ceiling for a writer.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import aiomysql
import orjson

from bench.backends import MYSQL_HOST, database, recreate_database

CEILING_DB = database("ceiling")
PAGE_SIZE = 20
CONCURRENCY = 32
BATCH_ROWS = 500
_ITEMS_DDL = Path(__file__).resolve().parents[1] / "migrations" / "0001_items.sql"
_UPSERT = (
    "INSERT INTO items (api_source, external_id, name, payload, content_hash,"
    " created_at, updated_at, synced_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    " ON DUPLICATE KEY UPDATE name = VALUES(name), payload = VALUES(payload),"
    " content_hash = VALUES(content_hash), updated_at = VALUES(updated_at),"
    " synced_at = VALUES(synced_at), deleted_at = NULL"
)
Row = tuple[Any, ...]


def prepare_database() -> None:
    """A fresh ceiling database holding the items table only."""
    recreate_database(CEILING_DB)


async def _connect() -> aiomysql.Connection:
    return await aiomysql.connect(host=MYSQL_HOST, user="root", password="", db=CEILING_DB)


async def _reset_items(conn: aiomysql.Connection) -> None:
    async with conn.cursor() as cur:
        with warnings.catch_warnings():  # "Unknown table" on the first run is expected
            warnings.simplefilter("ignore")
            await cur.execute("DROP TABLE IF EXISTS items")
        await cur.execute(_ITEMS_DDL.read_text())
    await conn.commit()


def _row(external_id: str, body: bytes) -> Row:
    detail = orjson.loads(body)
    canonical = orjson.dumps(detail, option=orjson.OPT_SORT_KEYS)
    now = datetime.now(UTC).replace(tzinfo=None)
    digest = hashlib.sha256(canonical).hexdigest()
    return ("pokemon", external_id, detail["name"], canonical.decode(), digest, now, now, now)


async def _upsert(conn: aiomysql.Connection, rows: list[Row]) -> None:
    rows.sort(key=lambda row: row[1])
    async with conn.cursor() as cur:
        await cur.executemany(_UPSERT, rows)
    await conn.commit()


async def _fetch_all(base_url: str, rows: asyncio.Queue[Row | None]) -> None:
    limit = asyncio.Semaphore(CONCURRENCY)
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def get(url: str) -> bytes:
            async with limit, session.get(url) as answer:
                answer.raise_for_status()
                return await answer.read()

        async def detail(external_id: str) -> None:
            await rows.put(_row(external_id, await get(f"{base_url}/pokemon/{external_id}/")))

        async def page(offset: int) -> dict[str, Any]:
            body = await get(f"{base_url}/pokemon?offset={offset}&limit={PAGE_SIZE}")
            listing: dict[str, Any] = orjson.loads(body)
            ids = [entry["url"].rstrip("/").rsplit("/", 1)[-1] for entry in listing["results"]]
            await asyncio.gather(*(detail(external_id) for external_id in ids))
            return listing

        first = await page(0)
        await asyncio.gather(*(page(o) for o in range(PAGE_SIZE, first["count"], PAGE_SIZE)))
    await rows.put(None)


async def _write_all(conn: aiomysql.Connection, rows: asyncio.Queue[Row | None]) -> list[Row]:
    written: list[Row] = []
    batch: list[Row] = []
    while (row := await rows.get()) is not None:
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            await _upsert(conn, batch)
            written.extend(batch)
            batch = []
    if batch:
        await _upsert(conn, batch)
        written.extend(batch)
    return written


async def ceiling_sync(base_url: str) -> tuple[float, list[Row]]:
    """(a): fetch every item and upsert it into an empty table; (seconds, rows written)."""
    conn = await _connect()
    try:
        await _reset_items(conn)
        queue: asyncio.Queue[Row | None] = asyncio.Queue(maxsize=4 * BATCH_ROWS)
        started = time.perf_counter()
        _, written = await asyncio.gather(_fetch_all(base_url, queue), _write_all(conn, queue))
        return time.perf_counter() - started, written
    finally:
        conn.close()


async def raw_upsert(rows: list[Row]) -> float:
    """(b): upsert ``rows`` into an empty table in batches of 500; the seconds it took."""
    conn = await _connect()
    try:
        await _reset_items(conn)
        started = time.perf_counter()
        for begin in range(0, len(rows), BATCH_ROWS):
            await _upsert(conn, list(rows[begin : begin + BATCH_ROWS]))
        return time.perf_counter() - started
    finally:
        conn.close()
