"""Guarantee 1: kill -9 any service at any moment; nothing is lost or duplicated."""

from __future__ import annotations

import random
import signal
import time
from collections.abc import Callable

import pytest

from harness.processes import Pipeline
from harness.standin.process import StandinProcess
from tests.e2e.client import (
    job,
    start_sync,
    wait_job,
    wait_nothing_pending,
)
from tests.e2e.waiting import wait_until
from tests.fault.conftest import assert_every_item_synced, fault_env, report

SEEDS = (1, 2, 3, 4, 5)


@pytest.mark.parametrize("seed", SEEDS)
def test_kill_9_of_a_fetcher_and_a_writer_loses_and_duplicates_nothing(
    seed: int,
    synthetic_standin: StandinProcess,
    fresh_pipeline: Callable[[dict[str, str]], Pipeline],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A fetcher and a writer killed at random moments mid-sync: MySQL equals upstream."""
    rng = random.Random(seed)
    synthetic_standin.set_faults(latency_ms=25)  # stretch the sync so the kills land inside it
    pipeline = fresh_pipeline(fault_env(synthetic_standin))
    pipeline.start("api")
    fetchers = [pipeline.start("fetcher"), pipeline.start("fetcher")]
    writers = [pipeline.start("writer"), pipeline.start("writer")]
    pipeline.wait_for_api()

    started = time.monotonic()
    job_id = start_sync(pipeline)
    # Kill moments drawn as progress, not wall time: each lands mid-sync on any machine.
    kills = sorted(
        [("fetcher", rng.randint(1, 12)), ("writer", rng.randint(1, 12))],
        key=lambda kill: kill[1],
    )
    progress_at_kill = []
    kill_times = []
    for role, at_pages in kills:
        wait_until(
            lambda at=at_pages: job(pipeline, job_id)["pages_done"] >= at,
            timeout_s=60,
            what=f"{at_pages} pages written",
            details=pipeline.logs,
        )
        victim = rng.choice(fetchers if role == "fetcher" else writers)
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait(timeout=10)
        kill_times.append(round(time.monotonic() - started, 2))
        pipeline.start(role)  # a restarted replacement, as an orchestrator would
        current = job(pipeline, job_id)
        progress_at_kill.append(f"{current['pages_done']}/{current['pages_total']}")
        assert current["status"] in ("pending", "running"), "the kill must land mid-sync"
    done = wait_job(pipeline, job_id)
    elapsed = time.monotonic() - started

    assert_every_item_synced(pipeline, done, synthetic_standin)
    assert (done["pages_done"], done["pages_total"]) == (24, 24)
    assert (done["items_updated"], done["items_unchanged"], done["items_failed"]) == (0, 0, 0)
    wait_nothing_pending(pipeline, timeout_s=10)
    report(
        capsys,
        f"kill -9 seed={seed}",
        kills=[
            (role, at_pages, at_s) for (role, at_pages), at_s in zip(kills, kill_times, strict=True)
        ],
        pages_at_kill=progress_at_kill,
        items=done["items_created"],
        wall_s=round(elapsed, 2),
        lost=0,
        duplicated=0,
    )
