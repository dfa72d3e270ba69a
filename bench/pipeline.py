"""Real item-sync service processes against the stand-in, and timed syncs through the API."""

from __future__ import annotations

import json
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.backends import REDIS_DB, database, mysql_connect
from harness.processes import Pipeline, migrated_pipeline, pipeline_env
from harness.standin.process import StandinProcess

API_TOKEN = "bench-token"  # noqa: S105  # the bench pipeline's own throwaway token
POLL_S = 0.05
SYNC_TIMEOUT_S = 1800.0
PIPELINE_DB = database("pipeline")
_TABLES = (
    "items",
    "item_payloads",
    "sync_jobs",
    "sync_job_pages",
    "sync_job_errors",
    "list_answers",
    "source_item_counts",
)
# The pipeline figures measure full syncs (hash comparison, no 304s, no change signal);
# the conditional section turns both on.
UNCONDITIONAL = {"POKEAPI_CONDITIONAL_REQUESTS": "false", "POKEAPI_CHANGE_SIGNAL": "false"}
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class SyncRun:
    """One sync timed from POST /sync to the job's end."""

    wall_s: float
    job: dict[str, Any]

    @property
    def items(self) -> int:
        """Items the job saw."""
        return int(self.job["items_seen"])

    @property
    def rows_written(self) -> int:
        """Rows the job created or updated."""
        return int(self.job["items_created"]) + int(self.job["items_updated"])


def _http(method: str, url: str, body: object = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310  # local URL
    request.add_header("Authorization", f"Bearer {API_TOKEN}")
    request.add_header("Content-Type", "application/json")
    with _OPENER.open(request, timeout=30) as answer:
        return json.loads(answer.read())


def timed_sync(pipeline: Pipeline, **body: object) -> SyncRun:
    """POST /sync, poll GET /jobs/{id} until it ends; the wall time between the two."""
    started = time.perf_counter()
    job_id = _http("POST", f"{pipeline.api_url}/sync", body)["job_id"]
    deadline = started + SYNC_TIMEOUT_S
    while time.perf_counter() < deadline:
        job = _http("GET", f"{pipeline.api_url}/jobs/{job_id}")
        if job["status"] not in ("pending", "running"):
            return SyncRun(wall_s=time.perf_counter() - started, job=job)
        time.sleep(POLL_S)
    raise RuntimeError(f"sync {job_id} did not end in {SYNC_TIMEOUT_S:.0f} s:\n{pipeline.logs()}")


def start_sync(pipeline: Pipeline) -> str:
    """POST /sync without waiting; the job id."""
    return str(_http("POST", f"{pipeline.api_url}/sync", {})["job_id"])


def job_status(pipeline: Pipeline, job_id: str) -> dict[str, Any]:
    """GET /jobs/{id}."""
    return dict(_http("GET", f"{pipeline.api_url}/jobs/{job_id}"))


def truncate_tables() -> None:
    """Empty the pipeline's tables so the next sync is a first sync."""
    conn = mysql_connect(PIPELINE_DB)
    with conn.cursor() as cur:
        for table in _TABLES:
            cur.execute(f"TRUNCATE TABLE {table}")
    conn.close()


def items_fingerprint() -> tuple[int, str]:
    """(row count, latest updated_at) of the pipeline's items: equal before and after means
    no row was written."""
    conn = mysql_connect(PIPELINE_DB)
    with conn.cursor() as cur:
        cur.execute("SELECT COUNT(*), MAX(updated_at) FROM items")
        row = cur.fetchone()
    conn.close()
    return (int(row[0]), str(row[1])) if row else (0, "")


@contextmanager
def bench_pipeline(
    standin: StandinProcess,
    workdir: Path,
    *,
    fetchers: int,
    writers: int,
    extra_env: dict[str, str],
    roles: tuple[str, ...] = ("api", "scheduler"),
    python: str = sys.executable,
) -> Iterator[Pipeline]:
    """A migrated, empty pipeline with ``fetchers`` x ``writers`` running; stopped on exit.

    ``python`` runs the services: another checkout's venv measures that checkout's code.
    """
    env = pipeline_env(
        standin,
        database=PIPELINE_DB,
        redis_db=REDIS_DB,
        api_token=API_TOKEN,
        WORKER_JOB_TIMEOUT="2h",  # the largest syncs must never be closed as timed out
        **{**UNCONDITIONAL, **extra_env},
    )
    workdir.mkdir(parents=True, exist_ok=True)
    with migrated_pipeline(env, workdir, python) as pipeline:
        pipeline.start_and_wait(*roles, *["fetcher"] * fetchers, *["writer"] * writers)
        yield pipeline
