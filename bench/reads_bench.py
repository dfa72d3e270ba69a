"""Reads at size: GET /items pages, lookups by upstream id and cold lookups by id.

The items are written straight into MySQL (a sync of 100,000 would take minutes and
measure the writer, not the reads), then counted once as the writer would have. Each
figure is printed beside a bare aiohttp handler: a fixed body for the cached routes,
the same primary-key SELECT for the cold ``GET /items/{id}``. Runs alternate which side
goes first, since the machine may be shared.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import orjson

from bench.api_bench import WARM_UP_S, bare_app, read_every_item, record
from bench.api_load import CONNECTIONS, load, load_tool
from bench.backends import mysql_connect
from bench.pipeline import PIPELINE_DB, bench_pipeline
from bench.results import Results
from bench.throughput import label
from harness.standin.process import run_standin
from harness.standin.synthetic import synthetic_detail
from shared.db.item_counts import RECOUNT_STATEMENTS

WARM_SHARE = 5  # a fifth of the items for the cached routes, the rest read cold once each
SEED_CHUNK = 2000  # rows per INSERT; about 4 MB, under max_allowed_packet
_INSERT = (
    "INSERT INTO items (id, api_source, external_id, name, content_hash,"
    " created_at, updated_at, synced_at) VALUES (%s, %s, %s, %s, %s, NOW(6), NOW(6), NOW(6))"
)
_INSERT_PAYLOAD = "INSERT INTO item_payloads (item_id, payload) VALUES (%s, %s)"


def seed_items(count: int) -> dict[int, int]:
    """``count`` pokemon items with synthetic ~2 KB payloads; their upstream ids by id."""
    conn = mysql_connect(PIPELINE_DB)
    with conn.cursor() as cur:
        for start in range(1, count + 1, SEED_CHUNK):
            numbers = range(start, min(start + SEED_CHUNK, count + 1))
            cur.executemany(
                _INSERT, [(n, "pokemon", str(n), f"mon-{n}", "0" * 64) for n in numbers]
            )
            cur.executemany(
                _INSERT_PAYLOAD,
                [(n, orjson.dumps(synthetic_detail(n, 1)).decode()) for n in numbers],
            )
        for statement in RECOUNT_STATEMENTS:
            cur.execute(statement)
        cur.execute("SELECT id, external_id FROM items")
        ids = {int(row[0]): int(row[1]) for row in cur.fetchall()}
    conn.close()
    return ids


def run_reads(
    results: Results,
    workdir: Path,
    *,
    size: int,
    seconds: float,
    repeats: int,
    extra_env: dict[str, str],
) -> None:
    """Seed ``size`` items, then load each read route ``repeats`` times beside its bare twin."""
    print(f"  reads at {CONNECTIONS} connections ({load_tool()}), {label(size)} items", flush=True)
    with (
        run_standin("--synthetic", "1") as standin,
        bench_pipeline(
            standin, workdir / "reads", fetchers=0, writers=0, extra_env=extra_env, roles=("api",)
        ) as p,
        bare_app(PIPELINE_DB) as bare_url,
    ):
        external_by_id = seed_items(size)
        shuffled = random.Random(7).sample(sorted(external_by_id), len(external_by_id))
        warm_count = len(shuffled) // WARM_SHARE
        ids, cold = shuffled[:warm_count], _slices(shuffled[warm_count:], repeats)
        external_ids = [external_by_id[item_id] for item_id in ids]
        bare_db_url = bare_url.replace("/items/", "/db-items/")
        tag = f"{label(size)} items"
        routes = {
            f"reads {tag} GET /items?limit=20": (f"{p.api_url}/items?limit=20", None),
            f"reads {tag} GET /sources/pokemon/items/{{external_id}}": (
                f"{p.api_url}/sources/pokemon/items/",
                external_ids,
            ),
            f"reads {tag} GET /items/{{id}}": (f"{p.api_url}/items/", ids),
        }
        for url, targets in routes.values():
            load(url, WARM_UP_S, ids=targets)  # pools filled; the cached routes warm up
        load(bare_url, WARM_UP_S, ids=ids)
        for repeat, cold_ids in zip(range(repeats), cold, strict=True):
            # Warm as a live service is; the previous cold run pushed items out of memory.
            asyncio.run(read_every_item(f"{p.api_url}/items/", ids))
            asyncio.run(read_every_item(f"{p.api_url}/sources/pokemon/items/", external_ids))
            runs: list[tuple[str, str, list[int] | None, bool]] = [
                (f"reads {tag} bare aiohttp", bare_url, ids, False),
                *((name, url, targets, False) for name, (url, targets) in routes.items()),
                (f"reads {tag} bare PK SELECT", bare_db_url, cold_ids, True),
                (f"reads {tag} cold GET /items/{{id}}", f"{p.api_url}/items/", cold_ids, True),
            ]
            for name, url, targets, once in runs if repeat % 2 == 0 else reversed(runs):
                record(results, name, load(url, seconds, ids=targets, once=once))


def _slices(ids: list[int], repeats: int) -> list[list[int]]:
    """Disjoint id lists, one per repeat: each cold run reads ids nothing has read yet."""
    step = len(ids) // max(repeats, 1)
    return [ids[repeat * step : (repeat + 1) * step] for repeat in range(repeats)]
