"""API load: GET /items/{id} and GET /items?limit=20 beside a bare aiohttp handler."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp

from bench.api_load import CONNECTIONS, LoadResult, load, load_tool
from bench.backends import mysql_connect
from bench.pipeline import PIPELINE_DB, bench_pipeline, timed_sync
from bench.results import Results
from bench.throughput import label
from harness.processes import free_port
from harness.standin.process import run_standin

REPO_ROOT = Path(__file__).resolve().parents[1]
WARM_UP_S = 1.0


@contextmanager
def bare_app(database: str | None = None) -> Iterator[str]:
    """The bare handlers' process; yields the URL of its fixed ``/items/`` answers."""
    port = free_port()
    # Our own interpreter and module.
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "bench.bare_app", str(port), *([database] if database else [])],
        cwd=REPO_ROOT,
    )
    url = f"http://127.0.0.1:{port}/items/"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{url}1", timeout=1).close()  # noqa: S310  # local
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _item_ids() -> list[int]:
    conn = mysql_connect(PIPELINE_DB)
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM items")
        ids = [int(row[0]) for row in cur.fetchall()]
    conn.close()
    return ids


async def read_every_item(item_url: str, ids: list[int]) -> None:
    """GET every item once, so the measured runs see a warm cache as a live service does."""
    limit = asyncio.Semaphore(CONNECTIONS)
    async with aiohttp.ClientSession() as session:

        async def read(item_id: int) -> None:
            async with limit, session.get(f"{item_url}{item_id}") as answer:
                await answer.read()

        await asyncio.gather(*(read(item_id) for item_id in ids))


def record(results: Results, name: str, run: LoadResult) -> None:
    """Keep one run's requests/s, p50 and p99 under ``name``."""
    results.figure(f"{name} req/s", "req/s").add(run.requests_per_s)
    results.figure(f"{name} p50", "ms").add(run.p50_ms)
    results.figure(f"{name} p99", "ms").add(run.p99_ms)
    if run.errors:
        results.facts.setdefault("problems", []).append(f"{name}: {run.errors} errors")


def run_api(
    results: Results,
    workdir: Path,
    *,
    size: int,
    seconds: float,
    repeats: int,
    extra_env: dict[str, str],
) -> None:
    """After a first sync of ``size`` items, load each route ``repeats`` times."""
    print(f"  api at {CONNECTIONS} connections ({load_tool()}), {label(size)} items", flush=True)
    results.facts["api load tool"] = load_tool()
    with (
        run_standin("--synthetic", str(size)) as standin,
        bench_pipeline(standin, workdir / "api", fetchers=2, writers=2, extra_env=extra_env) as p,
        bare_app() as bare_url,
    ):
        timed_sync(p)
        ids = _item_ids()  # AUTO_INCREMENT leaves gaps: ask for the ids that exist
        item_url, list_url = f"{p.api_url}/items/", f"{p.api_url}/items?limit=20"
        asyncio.run(read_every_item(item_url, ids))  # steady state: every answer cached
        load(item_url, WARM_UP_S, ids=ids)  # fills connection pools
        load(bare_url, WARM_UP_S, ids=ids)
        for _ in range(repeats):
            record(results, "api bare aiohttp", load(bare_url, seconds, ids=ids))
            record(results, "api GET /items/{id}", load(item_url, seconds, ids=ids))
            record(results, "api GET /items?limit=20", load(list_url, seconds))
