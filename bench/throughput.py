"""Pipeline throughput: first sync, unchanged re-sync and 10 % changed, per topology."""

from __future__ import annotations

import os
from pathlib import Path

from bench.cpu_shares import describe, read_cpu
from bench.latency_floor import bare_fetch_rate
from bench.monitor import StreamWatch, pipeline_peaks
from bench.pipeline import bench_pipeline, items_fingerprint, timed_sync, truncate_tables
from bench.results import Results
from bench.stats import ratio
from harness.standin.process import run_standin
from shared.config.workers import FetcherSettings
from shared.sources.registry import load_declared

CHANGED_FRACTION = 0.1


def label(size: int) -> str:
    """10000 -> '10k'."""
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def run_topology(
    results: Results,
    workdir: Path,
    *,
    size: int,
    fetchers: int,
    writers: int,
    repeats: int,
    extra_env: dict[str, str],
    watch_memory: bool,
) -> None:
    """Run every scenario ``repeats`` times on one pipeline of ``fetchers`` x ``writers``."""
    name = f"sync {label(size)} {fetchers}x{writers}"
    print(f"  {name}: {repeats} run(s)", flush=True)
    with (
        run_standin("--synthetic", str(size)) as standin,
        bench_pipeline(
            standin, workdir / name.replace(" ", "_"), fetchers=fetchers, writers=writers,
            extra_env=extra_env,
        ) as pipeline,
        StreamWatch() as watch,
    ):  # fmt: skip
        for run in range(repeats):
            truncate_tables()
            standin.reset()
            first = timed_sync(pipeline)
            _record(results, f"{name} first", first.items, first.wall_s)
            before = items_fingerprint()
            unchanged = timed_sync(pipeline)
            _record(results, f"{name} unchanged", unchanged.items, unchanged.wall_s)
            results.figure(f"{name} unchanged rows written", "rows").add(
                unchanged.rows_written + (0 if items_fingerprint() == before else 1)
            )
            results.figure(f"{name} unchanged/first time", "ratio").add(
                unchanged.wall_s / first.wall_s
            )
            standin.mutate(CHANGED_FRACTION, seed=run)
            changed = timed_sync(pipeline)
            _record(results, f"{name} 10% changed", changed.items, changed.wall_s)
            results.figure(f"{name} 10% changed rows updated", "rows").add(
                int(changed.job["items_updated"])
            )
            for sync_run in (first, unchanged, changed):
                if sync_run.job["status"] != "succeeded" or sync_run.items != size:
                    results.facts.setdefault("problems", []).append(
                        f"{name}: job {sync_run.job['id']} {sync_run.job['status']},"
                        f" {sync_run.items} of {size} items"
                    )
        if watch_memory:
            results.facts[f"peak RSS MB through {name}"] = pipeline_peaks(pipeline)
    results.facts[f"max stream length through {name}"] = watch.max_len


LATENCY_FETCHERS = (1, 4)  # one fetcher, then four: the ratio is how intake scales
LATENCY_ENV = {"POKEAPI_RATE_LIMIT": "0"}  # the request budget lifted: latency alone bounds
LATENCY_PAGE_SIZE = 20  # the pokemon source's default page


def latency_figure(size: int, fetchers: int, latency_ms: float) -> str:
    """The name of a latency run's items/s figure."""
    return f"sync {label(size)} {fetchers}x1 latency {latency_ms:.0f}ms first items/s"


def run_latency(
    results: Results,
    workdir: Path,
    *,
    size: int,
    latency_ms: float,
    repeats: int,
    extra_env: dict[str, str],
) -> None:
    """A first sync against a slow upstream with 1 fetcher, then with 4 (1 writer each);
    prints each one's items/s and the ratio."""
    for fetchers in LATENCY_FETCHERS:
        name = latency_figure(size, fetchers, latency_ms).removesuffix(" items/s")
        print(f"  {name}", flush=True)
        with (
            run_standin("--synthetic", str(size), "--latency-ms", str(latency_ms)) as standin,
            bench_pipeline(
                standin, workdir / name.replace(" ", "_"), fetchers=fetchers, writers=1,
                extra_env={**LATENCY_ENV, **extra_env},
            ) as pipeline,
        ):  # fmt: skip
            for _ in range(repeats):
                truncate_tables()
                cpu_before = read_cpu(pipeline, standin.process.pid)
                first = timed_sync(pipeline)
                spent = read_cpu(pipeline, standin.process.pid).since(cpu_before)
                _record(results, name, first.items, first.wall_s)
                results.figure(f"{name} CPU s", "s").add(sum(spent.values()))
                print(
                    f"    {first.items / first.wall_s:,.0f} items/s;"
                    f" CPU s: {describe(spent, first.wall_s)}",
                    flush=True,
                )
    rates = [results.median(latency_figure(size, n, latency_ms)) for n in LATENCY_FETCHERS]
    print(
        f"  {latency_ms:.0f} ms latency: 1 fetcher {rates[0]:,.0f} items/s,"
        f" 4 fetchers {rates[1]:,.0f} items/s, {ratio(rates[1], rates[0]):.2f}x",
        flush=True,
    )
    _latency_floor(results, size=size, latency_ms=latency_ms, repeats=repeats, extra_env=extra_env)


def latency_floor_figure(size: int, clients: int, latency_ms: float) -> str:
    """The name of the bare clients' items/s figure at latency."""
    return f"bare clients {label(size)} x{clients} latency {latency_ms:.0f}ms items/s"


def _latency_floor(
    results: Results, *, size: int, latency_ms: float, repeats: int, extra_env: dict[str, str]
) -> None:
    """The same ratio for bare aiohttp processes, each holding as many pages as a fetcher."""
    in_flight = int(extra_env.get("FETCHER_BATCH_SIZE", FetcherSettings().batch_size))
    page_size = int(extra_env.get("POKEAPI_PAGE_SIZE", LATENCY_PAGE_SIZE))
    pokemon = load_declared({**os.environ, **extra_env})["pokemon"].definition
    detail_concurrency = pokemon.concurrency  # a fetcher's cap on details in flight
    with run_standin("--synthetic", str(size), "--latency-ms", str(latency_ms)) as standin:
        for _ in range(repeats):
            for clients in LATENCY_FETCHERS:
                rate = bare_fetch_rate(
                    standin.base_url, clients=clients, in_flight=in_flight, items=size,
                    page_size=page_size, detail_concurrency=detail_concurrency,
                )  # fmt: skip
                name = latency_floor_figure(size, clients, latency_ms)
                results.figure(name, "items/s").add(rate)
    floor = [results.median(latency_floor_figure(size, n, latency_ms)) for n in LATENCY_FETCHERS]
    print(
        f"  the machine's limit: bare aiohttp processes fetching the same pages and details"
        f" ({in_flight} page(s) in flight each, at most {detail_concurrency} details at once,"
        " no Redis, no MySQL): 1 process"
        f" {floor[0]:,.0f} items/s, 4 processes {floor[1]:,.0f} items/s,"
        f" {ratio(floor[1], floor[0]):.2f}x",
        flush=True,
    )


def _record(results: Results, name: str, items: int, wall_s: float) -> None:
    results.figure(f"{name} items/s", "items/s").add(items / wall_s)
    results.figure(f"{name} wall", "s").add(wall_s)
