"""The writer stage alone: one writer draining a pre-filled ``itemsync:pages``.

Fetchers run without writers until every command of a sync is acknowledged, so the pages
stream holds the whole sync; then one writer starts. Its rate is the items over the time
from the writer's ``service.started`` log line to its ``job.finished`` line, both stamped
by the writer itself, so process start-up and import time are left out.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path

import redis

from bench.backends import REDIS_DB, REDIS_HOST, REDIS_PORT
from bench.pipeline import bench_pipeline, job_status, start_sync, truncate_tables
from bench.results import Results
from bench.throughput import label
from harness.processes import Pipeline, ServiceProcess
from harness.standin.process import run_standin
from shared.streams import names

FILL_TIMEOUT_S = 600.0
DRAIN_TIMEOUT_S = 600.0
HELD_BACK_SAMPLES = 50  # 5 s of a pages stream that does not grow: fetchers hold back


def _commands_done(client: redis.Redis) -> bool:
    groups = client.xinfo_groups(names.COMMANDS)
    fetchers = next((g for g in groups if g["name"] == b"fetchers"), None)
    return fetchers is not None and fetchers["pending"] == 0 and fetchers["lag"] == 0


def unbounded(extra_env: dict[str, str]) -> dict[str, str]:
    """Settings that lift backpressure, so fetchers can queue a whole sync for the writer."""
    return {"STREAM_PAGES_MAX_PENDING": "0", "STREAM_PAGES_MAX_BYTES": "0", **extra_env}


def wait_held_back(client: redis.Redis) -> None:
    """Wait until the fetchers are done, or hold back: the pages stream stopped growing."""
    deadline = time.monotonic() + FILL_TIMEOUT_S
    last, quiet = -1, 0
    while time.monotonic() < deadline:
        if _commands_done(client):
            return
        length = client.xlen(names.PAGES)
        quiet = quiet + 1 if length == last else 0
        last = length
        if quiet >= HELD_BACK_SAMPLES:
            return
        time.sleep(0.1)
    raise RuntimeError("the fetchers neither finished nor held back")


def wait_filled(client: redis.Redis) -> None:
    """Wait until the fetchers acknowledged every command and no follow-up is coming."""
    deadline = time.monotonic() + FILL_TIMEOUT_S
    settled = 0
    while time.monotonic() < deadline:
        settled = settled + 1 if _commands_done(client) else 0
        if settled >= 3:  # three quiet samples: no follow-up command is still coming
            return
        time.sleep(0.1)
    raise RuntimeError("the fetchers did not finish filling itemsync:pages")


def _stamp(log: str, event: str) -> datetime:
    for line in log.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("event") == event:
                return datetime.fromisoformat(record["timestamp"])
    raise RuntimeError(f"no {event} in the writer log:\n{log[-2000:]}")


def drain(pipeline: Pipeline, job_id: str) -> tuple[ServiceProcess, dict[str, object]]:
    """Start one writer and wait until it ended the job; the writer and the job."""
    writer = pipeline.start("writer")
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while time.monotonic() < deadline:
        job = job_status(pipeline, job_id)
        if job["status"] not in ("pending", "running"):
            return writer, job
        time.sleep(0.05)
    raise RuntimeError(f"the writer did not finish the job:\n{pipeline.logs()}")


def run_writer_stage(
    results: Results, workdir: Path, *, size: int, repeats: int, extra_env: dict[str, str]
) -> None:
    """Time one writer draining a whole first sync, ``repeats`` times."""
    name = f"writer stage {label(size)} 1 writer"
    print(f"  {name}: {repeats} run(s)", flush=True)
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    with (
        run_standin("--synthetic", str(size)) as standin,
        bench_pipeline(
            standin, workdir / "writer_stage", fetchers=2, writers=0, extra_env=unbounded(extra_env)
        ) as pipeline,
    ):
        for _ in range(repeats):
            truncate_tables()
            job_id = start_sync(pipeline)
            wait_filled(client)
            writer, job = drain(pipeline, job_id)
            writer.stop()
            log = writer.log()
            seconds = (_stamp(log, "job.finished") - _stamp(log, "service.started")).total_seconds()
            results.figure(f"{name} items/s", "items/s").add(int(str(job["items_seen"])) / seconds)
    client.close()
