"""The whole catalogue at real size: item-sync beside dlt and a single-process loop.

One stand-in serves all 1,351 listed Pokémon at the recorded details' sizes
(``--recorded-sizes``). On it, in turn:

- item-sync, 2 fetchers x 1 writer, request budget lifted, conditional requests on (the
  default) and the change signal off, so the unchanged re-sync sweeps every detail and
  gets 304s: a first sync, then an unchanged re-sync;
- the single-process fetch-and-upsert loop (``bench.ceiling``), into its own table;
- dlt's first load (``bench.peer_dlt``, not parallelized: its faster setting at 10k).

Each prints its wall time, the stand-in's requests and body bytes, and what MariaDB did
meanwhile (``bench.server_counters``); dlt its peak RSS, item-sync its services' CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from bench import ceiling
from bench.monitor import pipeline_cpu_s
from bench.peer_dlt import peer_loads
from bench.pipeline import bench_pipeline, timed_sync
from bench.report import table
from bench.results import Results
from bench.server_counters import describe, snapshot
from harness.standin.process import StandinProcess, run_standin

NAME = "real size"
FETCHERS, WRITERS = 2, 1
ITEMS = 1_351
T = TypeVar("T")
ENV = {
    "POKEAPI_RATE_LIMIT": "0",
    "POKEAPI_CONDITIONAL_REQUESTS": "true",
    "POKEAPI_CHANGE_SIGNAL": "false",
}


PARTS = ("item-sync", "loop", "dlt")


def run_realsize_peer(
    results: Results, workdir: Path, *, extra_env: dict[str, str], parts: tuple[str, ...] = PARTS
) -> None:
    """item-sync's first and unchanged syncs, the single-process loop, dlt's first load."""
    print(f"{NAME}: {', '.join(parts)} on the recorded-size catalogue", flush=True)
    with run_standin("--recorded-sizes") as standin:
        url = standin.pokeapi_url
        if "item-sync" in parts:
            _item_sync(results, standin, workdir / "realsize_peer", extra_env)
        if "loop" in parts:
            loop_s = _measured(results, standin, "single-process loop first", lambda: _loop(url))
            results.figure(f"{NAME} single-process loop first s", "s").add(loop_s)
            print(f"  single-process loop first: {loop_s:.2f} s", flush=True)
        if "dlt" in parts:
            _dlt(results, standin, url)


def _dlt(results: Results, standin: StandinProcess, url: str) -> None:
    dlt = _measured(results, standin, "dlt first", lambda: peer_loads(url, False, loads=1))
    results.figure(f"{NAME} dlt first s", "s").add(dlt["first_s"])
    results.figure(f"{NAME} dlt peak RSS", "MB").add(dlt["peak_rss_mb"])
    print(
        f"  dlt first: {dlt['first_s']:.2f} s, {dlt['rows']:.0f} rows,"
        f" peak RSS {dlt['peak_rss_mb']:.0f} MB",
        flush=True,
    )
    if dlt["rows"] != ITEMS:
        results.facts.setdefault("problems", []).append(
            f"dlt loaded {dlt['rows']:.0f} of {ITEMS} rows at real size"
        )


def _item_sync(
    results: Results, standin: StandinProcess, workdir: Path, extra_env: dict[str, str]
) -> None:
    env = {**ENV, **extra_env}
    with bench_pipeline(
        standin, workdir, fetchers=FETCHERS, writers=WRITERS, extra_env=env
    ) as pipeline:
        for kind in ("first", "unchanged"):
            cpu_before = pipeline_cpu_s(pipeline)
            run = _measured(results, standin, f"item-sync {kind}", lambda: timed_sync(pipeline))
            cpu = {k: v - cpu_before[k] for k, v in pipeline_cpu_s(pipeline).items()}
            results.figure(f"{NAME} item-sync {kind} s", "s").add(run.wall_s)
            results.figure(f"{NAME} item-sync {kind} writer CPU", "s").add(_sum(cpu, "writer-"))
            results.figure(f"{NAME} item-sync {kind} fetchers CPU", "s").add(_sum(cpu, "fetcher-"))
            job = run.job
            print(
                f"  item-sync {kind}: {run.wall_s:.2f} s, job {job['status']}, created"
                f" {job['items_created']}, updated {job['items_updated']}, unchanged"
                f" {job['items_unchanged']}, failed {job['items_failed']}; CPU s writer"
                f" {_sum(cpu, 'writer-'):.1f}, fetchers {_sum(cpu, 'fetcher-'):.1f}",
                flush=True,
            )
            if job["status"] != "succeeded" or int(job["items_seen"]) != ITEMS:
                results.facts.setdefault("problems", []).append(
                    f"item-sync {kind} at real size: job {job['status']},"
                    f" {job['items_seen']} of {ITEMS} seen"
                )


def _loop(url: str) -> float:
    """The single-process loop's first sync into a fresh table; its seconds."""
    ceiling.prepare_database()
    seconds, _rows = asyncio.run(ceiling.ceiling_sync(url))
    return seconds


def _measured(results: Results, standin: StandinProcess, what: str, run: Callable[[], T]) -> T:
    """``run()`` with the stand-in's requests and body bytes and the server's work counted."""
    standin.reset_stats()
    before = snapshot()
    outcome = run()
    deltas = snapshot().since(before)
    stats: dict[str, Any] = standin.stats()
    results.figure(f"{NAME} {what} requests", "n").add(stats["requests"])
    results.figure(f"{NAME} {what} 304s", "n").add(stats["not_modified"])
    results.figure(f"{NAME} {what} body MB", "MB").add(stats["body_bytes"] / 1e6)
    for counter, value in deltas.items():
        unit = "s" if counter.endswith(" s") else "n"
        results.figure(f"{NAME} {what} {counter}", unit).add(value)
    print(
        f"  {what}: {stats['requests']} requests, {stats['not_modified']} 304s,"
        f" {stats['body_bytes'] / 1e6:.1f} MB of bodies; {describe(deltas)}",
        flush=True,
    )
    return outcome


def _sum(values: dict[str, float], prefix: str) -> float:
    return sum(value for service, value in values.items() if service.startswith(prefix))


def main() -> None:
    """``python -m bench.realsize_peer [PART ...]``: some parts alone (each its own run)."""
    parser = argparse.ArgumentParser(prog="python -m bench.realsize_peer")
    parser.add_argument("parts", nargs="*", help=f"of {', '.join(PARTS)} (default all)")
    args = parser.parse_args()
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    results = Results()
    with tempfile.TemporaryDirectory(prefix="item-sync-bench-") as tmp:
        run_realsize_peer(results, Path(tmp), extra_env={}, parts=tuple(args.parts) or PARTS)
    print(table(results))


if __name__ == "__main__":
    main()
