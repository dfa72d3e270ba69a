"""Where MariaDB's time goes storing real-size payloads, one table shape at a time.

``python -m bench.payload_storage [VARIANT ...]`` writes the whole real-size catalogue (the
stand-in's ``--recorded-sizes`` details, built in process) into a freshly migrated
``item_payloads`` table, page by page (20 items, one transaction each, statements of at most
``WRITER_MAX_STATEMENT_BYTES``) as the writer does, with no fetch, Redis or diff around it.
Each variant changes the table first (adds back the JSON check, compresses pages, ...) and
prints the wall time, the server's CPU seconds and its write counters.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiomysql

from bench.backends import MYSQL_HOST, database, recreate_database
from bench.server_counters import describe, snapshot
from harness.standin.catalogue import Catalogue, CatalogueConfig
from shared.config import DatabaseSettings
from shared.db.literals import SqlValue, multi_row_statements, session_escapes
from shared.db.migrate import migrate

DB = database("storage")
PAGE = 20
MAX_STATEMENT_BYTES = 4 * 1024 * 1024  # WRITER_MAX_STATEMENT_BYTES' default
_HEAD = "INSERT INTO item_payloads (item_id, payload)"
_TAIL = "ON DUPLICATE KEY UPDATE payload = VALUES(payload)"


@dataclass(frozen=True)
class Variant:
    """A change to the migrated table, and how a payload is written into it."""

    alter: tuple[str, ...] = ()
    payload: Callable[[bytes], SqlValue] = bytes.decode


VARIANTS: dict[str, Variant] = {
    "baseline": Variant(),  # the table as migrated
    # The check migration 0013 dropped, back for comparison.
    "json-check": Variant(
        ("ALTER TABLE item_payloads ADD CONSTRAINT payload_is_json CHECK (JSON_VALID(payload))",)
    ),
    "page-compressed": Variant(("ALTER TABLE item_payloads PAGE_COMPRESSED=1",)),
    "row-compressed": Variant(
        ("ALTER TABLE item_payloads ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=8",)
    ),
    "column-compressed": Variant(
        (
            "ALTER TABLE item_payloads MODIFY payload LONGTEXT COMPRESSED"
            " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL",
        )
    ),
}


def catalogue_payloads() -> list[tuple[str, str, bytes]]:
    """(external id, name, detail) of every listed item, as ``--recorded-sizes`` serves them."""
    catalogue = Catalogue(CatalogueConfig(recorded_sizes=True))
    found: list[tuple[str, str, bytes]] = []
    for item_id, name in catalogue.page(0, catalogue.count):
        body = catalogue.detail_bytes(str(item_id), "http://127.0.0.1:8000")
        if body is not None:
            found.append((str(item_id), name, body))
    return found


async def _prepare(variant: Variant) -> None:
    recreate_database(DB)
    await migrate(DatabaseSettings(host=MYSQL_HOST, database=DB))
    conn = await aiomysql.connect(host=MYSQL_HOST, user="root", password="", db=DB)
    try:
        async with conn.cursor() as cur:
            for statement in variant.alter:
                await cur.execute(statement)
    finally:
        conn.close()


async def _write(variant: Variant, items: list[tuple[str, str, bytes]]) -> float:
    conn = await aiomysql.connect(host=MYSQL_HOST, user="root", password="", db=DB)
    try:
        started = time.perf_counter()
        for begin in range(0, len(items), PAGE):
            rows = [
                (int(key), variant.payload(body)) for key, _, body in items[begin : begin + PAGE]
            ]
            async with conn.cursor() as cur:
                for statement in multi_row_statements(
                    _HEAD,
                    rows,
                    _TAIL,
                    max_bytes=MAX_STATEMENT_BYTES,
                    no_backslash_escapes=session_escapes(conn),
                ):
                    await cur.execute(statement)
            await conn.commit()
        return time.perf_counter() - started
    finally:
        conn.close()


def run_variant(name: str, items: list[tuple[str, str, bytes]]) -> float:
    """Write ``items`` into a fresh table shaped as ``name``; its seconds."""
    variant = VARIANTS[name]
    asyncio.run(_prepare(variant))
    before = snapshot()
    seconds = asyncio.run(_write(variant, items))
    deltas = snapshot().since(before)
    print(f"{name:<18} {seconds:6.2f} s  {describe(deltas)}", flush=True)
    return seconds


def main() -> None:
    """Each variant named (all by default), in turn."""
    parser = argparse.ArgumentParser(prog="python -m bench.payload_storage")
    parser.add_argument("variants", nargs="*", help=f"of {', '.join(VARIANTS)} (default all)")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--items", type=int, help="only the first N details (a quick check)")
    args = parser.parse_args()
    unknown = set(args.variants) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variants: {', '.join(sorted(unknown))}")
    items = catalogue_payloads()[: args.items]
    total = sum(len(body) for _, _, body in items)
    print(f"{len(items)} details, {total / 1e6:.0f} MB", flush=True)
    for _ in range(args.repeats):
        for name in args.variants or VARIANTS:
            run_variant(name, items)


if __name__ == "__main__":
    main()
