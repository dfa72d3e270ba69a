"""Peak memory at real size: a whole-catalogue first sync, then a backlog catch-up.

The stand-in serves all 1,351 listed Pokémon, each at the size of a recorded detail
(50 KB to 780 KB). The first scenario runs a first sync with 2 fetchers and 1 writer. The
second fetches with no writer running until the fetchers hold back (backpressure keeps
``itemsync:pages`` within its budget), then starts one writer to catch up. Each prints
the peak RSS (VmHWM) of every service process and the highest Redis ``used_memory``
sampled meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from bench.backends import REDIS_DB, REDIS_HOST, REDIS_PORT
from bench.monitor import StreamWatch, pipeline_peaks
from bench.pipeline import bench_pipeline, start_sync, timed_sync
from bench.results import Results
from bench.writer_stage import drain, wait_held_back
from harness.processes import Pipeline
from harness.standin.process import StandinProcess, run_standin

TARGET_RSS_MB = 150.0


def run_memory(results: Results, workdir: Path, *, extra_env: dict[str, str]) -> None:
    """Both real-size scenarios; figures in MB, one sample each."""
    with run_standin("--recorded-sizes") as standin:
        print("  real-size sync 2x1: first sync of the whole catalogue", flush=True)
        name = "real-size sync 2x1"
        with _scenario(results, name, standin, workdir / "memory_sync", 1, extra_env) as pipeline:
            run = timed_sync(pipeline)
        results.figure(f"{name} wall", "s").add(run.wall_s)
        results.facts[f"{name} job"] = _job_summary(run.job)
        print(
            "  real-size backlog: fetch with no writer until held back, then 1 writer", flush=True
        )
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
        name = "real-size backlog"
        with _scenario(
            results, name, standin, workdir / "memory_backlog", 0, extra_env
        ) as pipeline:
            job_id = start_sync(pipeline)
            wait_held_back(client)
            _writer, job = drain(pipeline, job_id)
        results.facts[f"{name} job"] = _job_summary(job)
        client.close()


@contextmanager
def _scenario(
    results: Results,
    name: str,
    standin: StandinProcess,
    workdir: Path,
    writers: int,
    extra_env: dict[str, str],
) -> Iterator[Pipeline]:
    """A pipeline of 2 fetchers and ``writers`` under watch; its peaks recorded as ``name``."""
    with (
        bench_pipeline(
            standin, workdir, fetchers=2, writers=writers, extra_env=extra_env
        ) as pipeline,
        StreamWatch() as watch,
    ):
        yield pipeline
        _record(results, name, pipeline_peaks(pipeline), watch)


def _record(results: Results, name: str, peaks: dict[str, float], watch: StreamWatch) -> None:
    for service, peak in peaks.items():
        results.figure(f"{name} peak RSS {service}", "MB").add(peak)
    results.figure(f"{name} redis peak used_memory", "MB").add(watch.max_used_memory_mb)
    over = {service: round(peak) for service, peak in peaks.items() if peak > TARGET_RSS_MB}
    results.facts[f"{name} services over {TARGET_RSS_MB:.0f} MB RSS"] = over or "none"
    results.facts[f"max stream length through {name}"] = watch.max_len


def _job_summary(job: dict[str, object]) -> str:
    keys = ("status", "items_seen", "items_created", "items_failed", "pages_done", "pages_total")
    return ", ".join(f"{key} {job.get(key)}" for key in keys)
