"""A poison entry is dead-lettered after MAX_DELIVERIES; the rest flows; replay finishes it,
and a job left with nothing but its dead letter ends ``failed`` saying which one."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import redis

from harness.backends import REDIS_HOST, REDIS_PORT
from harness.processes import Pipeline
from harness.standin.process import StandinProcess
from tests.e2e.client import (
    assert_mirrors,
    dead_letters,
    job,
    start_sync,
    stored_rows,
    upstream_details,
    wait_job,
)
from tests.e2e.waiting import wait_until
from tests.fault.conftest import SYNTHETIC_ITEMS, fault_env, report

POISON_ID = 1000  # on page list:950, not the page that fans out


def _poison_env(standin: StandinProcess, **extra: str) -> dict[str, str]:
    """Three deliveries, quick claims, one retry; the breaker out of the way (one bad item,
    not an outage)."""
    return fault_env(
        standin,
        STREAM_MAX_DELIVERIES="3",
        STREAM_CLAIM_IDLE="1s",
        RETRY_MAX_RETRIES="1",
        RETRY_CIRCUIT_THRESHOLD="1000",
        **extra,
    )


def _dead_lettered_sync(
    fresh_pipeline: Callable[[dict[str, str]], Pipeline],
    standin: StandinProcess,
    **extra: str,
) -> tuple[Pipeline, str, float]:
    """A pipeline whose sync meets an item that always fails: the pipeline, the job id and
    when the sync was asked (monotonic), once an entry is dead-lettered."""
    pipeline = fresh_pipeline(_poison_env(standin, **extra))
    pipeline.start_and_wait("api", "fetcher", "fetcher", "writer")
    standin.set_faults(fail_id=POISON_ID)
    started = time.monotonic()
    job_id = start_sync(pipeline)
    wait_until(
        lambda: dead_letters(pipeline) > 0,
        timeout_s=60,
        what="an entry dead-lettered",
        details=pipeline.logs,
    )
    return pipeline, job_id, started


def test_poison_command_is_dead_lettered_and_replayed(
    synthetic_standin: StandinProcess,
    fresh_pipeline: Callable[[dict[str, str]], Pipeline],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A page whose item always fails goes to the dead stream; after a fix, replay completes it."""
    pipeline, job_id, started = _dead_lettered_sync(fresh_pipeline, synthetic_standin)
    dead_after_s = time.monotonic() - started
    wait_until(
        lambda: job(pipeline, job_id)["pages_done"] >= 23,
        timeout_s=60,
        what="every other page written",
        details=pipeline.logs,
    )
    stuck = job(pipeline, job_id)
    assert (stuck["status"], stuck["pages_done"], stuck["pages_total"]) == ("running", 23, 24)
    assert len(stored_rows(pipeline)) == SYNTHETIC_ITEMS - 50  # everything but the bad page
    listed = pipeline.run_cli("dlq", "list")
    assert listed.returncode == 0, listed.stderr
    assert "list" in listed.stdout
    assert f"pokemon detail {POISON_ID}" in listed.stdout
    assert "1 dead letter(s)" in listed.stdout

    synthetic_standin.set_faults(fail_id=0)
    replayed = pipeline.run_cli("dlq", "replay")
    assert replayed.returncode == 0, replayed.stderr
    assert "replayed 1 dead letter(s)" in replayed.stdout
    done = wait_job(pipeline, job_id)
    assert done["status"] == "succeeded", pipeline.logs()
    assert done["items_created"] == SYNTHETIC_ITEMS
    assert dead_letters(pipeline) == 0
    assert_mirrors(pipeline, upstream_details(synthetic_standin))
    report(
        capsys,
        "poison entry",
        max_deliveries=3,
        dead_lettered_after_s=round(dead_after_s, 2),
        pages_meanwhile="23/24",
        after_replay=done["status"],
    )


def test_a_job_left_with_only_a_dead_letter_fails_naming_it(
    synthetic_standin: StandinProcess,
    fresh_pipeline: Callable[[dict[str, str]], Pipeline],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Nobody replays the poison: the job does not stay open until WORKER_JOB_TIMEOUT (and
    no scheduler runs here to time it out); it ends ``failed`` with the dead letter's id and
    error in ``GET /jobs/{id}``, and the next identical sync opens a new job."""
    pipeline, job_id, _ = _dead_lettered_sync(
        fresh_pipeline, synthetic_standin, WORKER_REDRIVE_AFTER="2s"
    )
    dead_at = time.monotonic()
    with redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=int(pipeline.env["REDIS_DB"])) as client:
        ((dead_id, fields),) = client.xrange("itemsync:dead")
    wait_until(
        lambda: job(pipeline, job_id)["status"] != "running",
        timeout_s=60,  # 23 pages to write, then 2 s quiet and a sweep (0.5 s)
        what="the job ended",
        details=pipeline.logs,
    )
    ended_after_s = time.monotonic() - dead_at
    ended = job(pipeline, job_id)
    assert (ended["status"], ended["pages_done"], ended["pages_total"]) == ("failed", 23, 24)
    assert dead_id.decode() in ended["error"]
    assert fields[b"entry_id"].decode() in ended["error"]
    assert f"detail {POISON_ID}" in ended["error"]  # the dead letter's own error
    assert len(stored_rows(pipeline)) == SYNTHETIC_ITEMS - 50  # nothing marked deleted either
    assert dead_letters(pipeline) == 1  # still there for an operator to replay or purge

    again = start_sync(pipeline)
    assert again != job_id
    report(
        capsys,
        "job left with a dead letter",
        redrive_after="2s",
        ended=ended["status"],
        ended_after_dead_letter_s=round(ended_after_s, 2),
    )
