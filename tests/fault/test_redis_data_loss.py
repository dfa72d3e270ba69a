"""Redis loses its data mid-sync: every service recovers unrestarted, the job ends exact."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pymysql
import pytest

from harness.processes import Pipeline, ServiceProcess, free_port
from harness.redis_server import OwnedRedis, owned_redis
from harness.standin.process import StandinProcess
from shared.values.hashing import canonical_json, hash_bytes
from tests.e2e.client import (
    assert_mirrors,
    job,
    start_sync,
    sync,
    upstream_details,
    wait_pages_written,
)
from tests.e2e.waiting import wait_until
from tests.fault.conftest import SYNTHETIC_ITEMS, fault_env, report

REDRIVE_AFTER_S = 3
RECOVERY_DEADLINE_S = 30.0
WORKERS = ("fetcher", "fetcher", "writer", "writer")


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnedRedis]:
    """A redis-server only this test uses, so it may kill it."""
    workdir = tmp_path / "redis"
    workdir.mkdir()
    with owned_redis(workdir) as server:
        yield server


def test_redis_restarted_empty_mid_sync_the_job_is_redriven_to_an_exact_end(
    synthetic_standin: StandinProcess,
    own_redis: OwnedRedis,  # before the pipeline: it outlives the services at teardown
    fresh_pipeline: Callable[[dict[str, str]], Pipeline],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Redis killed and restarted empty mid-sync: nothing restarts, the job ends exact."""
    env = fault_env(
        synthetic_standin,
        REDIS_PORT=str(own_redis.port),
        WORKER_REDRIVE_AFTER=f"{REDRIVE_AFTER_S}s",
    )
    pipeline = fresh_pipeline(env)
    pipeline.start("api")
    health_urls = [f"{pipeline.api_url}/health"]
    workers: list[ServiceProcess] = []
    for role in WORKERS:
        port = free_port()
        workers.append(pipeline.start(role, METRICS_PORT=str(port)))
        health_urls.append(f"http://127.0.0.1:{port}/health")
    wait_until(
        lambda: _all_healthy(health_urls),
        timeout_s=20.0,
        what="services healthy",
        details=pipeline.logs,
    )
    synthetic_standin.set_faults(latency_ms=25)

    job_id = start_sync(pipeline)
    wait_pages_written(pipeline, job_id, 3)
    own_redis.kill()
    at_kill = job(pipeline, job_id)
    own_redis.start()  # same port, empty
    restarted = time.monotonic()
    pids = [worker.process.pid for worker in workers]

    wait_until(
        lambda: _all_healthy(health_urls),
        timeout_s=RECOVERY_DEADLINE_S,
        what="services healthy again",
        details=pipeline.logs,
    )
    services_back_s = time.monotonic() - restarted
    wait_until(
        lambda: _finished(pipeline, job_id),
        timeout_s=RECOVERY_DEADLINE_S,
        what="job finished",
        details=pipeline.logs,
    )
    succeeded_s = time.monotonic() - restarted
    done = job(pipeline, job_id)
    assert succeeded_s < RECOVERY_DEADLINE_S

    assert at_kill["status"] == "running"
    assert at_kill["pages_done"] < done["pages_total"]
    assert [w.process.poll() for w in workers] == [None] * len(workers), pipeline.logs()
    assert [w.process.pid for w in workers] == pids
    assert done["status"] == "succeeded", pipeline.logs()
    clean = {
        "items_seen": SYNTHETIC_ITEMS,
        "items_created": SYNTHETIC_ITEMS,
        "items_updated": 0,
        "items_unchanged": 0,
        "items_failed": 0,
        "items_deleted": 0,
    }
    assert {key: done[key] for key in clean} == clean
    assert done["pages_done"] == done["pages_total"] == SYNTHETIC_ITEMS // 50
    synthetic_standin.set_faults(latency_ms=0)
    upstream = upstream_details(synthetic_standin)
    assert_mirrors(pipeline, upstream)
    assert _stored_hashes(pipeline) == {
        external_id: hash_bytes(canonical_json(detail)) for external_id, detail in upstream.items()
    }

    events = {worker.log_path.name: _events(worker) for worker in workers}
    recreated = {name: found.count("stream.group_recreated") for name, found in events.items()}
    redriven = sum(found.count("job.redriven") for found in events.values())
    assert sum(recreated.values()) >= 1, recreated  # at least one consumer met NOGROUP
    assert max(recreated.values()) <= 2, recreated  # once-ish per consumer, never a loop
    assert not any(_nogroup_failures(worker) for worker in workers), pipeline.logs()
    assert redriven >= 1, pipeline.logs()

    again = sync(pipeline)
    assert again["status"] == "succeeded", pipeline.logs()
    assert (again["items_seen"], again["items_unchanged"]) == (SYNTHETIC_ITEMS, SYNTHETIC_ITEMS)
    report(
        capsys,
        "redis lost its data",
        items=SYNTHETIC_ITEMS,
        pages_at_kill=f"{at_kill['pages_done']}/{done['pages_total']}",
        services_back_s=round(services_back_s, 2),
        job_succeeded_s=round(succeeded_s, 2),
        redrive_after_s=REDRIVE_AFTER_S,
        redrives=redriven,
        groups_recreated=recreated,
        restarts=0,
    )


def _all_healthy(urls: list[str]) -> bool:
    for url in urls:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - local URL
                if answer.status != 200:
                    return False
        except (urllib.error.URLError, OSError):
            return False
    return True


def _finished(pipeline: Pipeline, job_id: str) -> bool:
    return job(pipeline, job_id)["status"] not in ("pending", "running")


def _events(worker: ServiceProcess) -> list[str]:
    """The event names of a service's JSON log lines."""
    names: list[str] = []
    for line in worker.log().splitlines():
        try:
            record: Any = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and "event" in record:
            names.append(str(record["event"]))
    return names


def _nogroup_failures(worker: ServiceProcess) -> list[str]:
    """Failed batches that were Redis answering NOGROUP: the loop recovery must prevent."""
    return [
        line
        for line in worker.log().splitlines()
        if "stream.batch_failed" in line and "NOGROUP" in line
    ]


def _stored_hashes(pipeline: Pipeline) -> dict[str, str]:
    conn = pymysql.connect(
        host="127.0.0.1", user="root", password="", database=pipeline.env["DATABASE_DATABASE"]
    )
    with conn.cursor() as cur:
        cur.execute("SELECT external_id, content_hash FROM items WHERE api_source = 'pokemon'")
        rows = cur.fetchall()
    conn.close()
    return {str(external_id): str(content_hash) for external_id, content_hash in rows}
