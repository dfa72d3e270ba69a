"""Guarantee 1: kill -9 any service at any moment; nothing is lost or duplicated."""

from __future__ import annotations

import random
import signal
import time
from collections.abc import Callable

import pytest

from tests.e2e.client import (
    assert_mirrors,
    job,
    pending_entries,
    start_sync,
    upstream_details,
    wait_job,
)
from tests.e2e.processes import Pipeline
from tests.fault.conftest import SYNTHETIC_ITEMS, fault_env, report
from tests.standin.process import StandinProcess

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
    kills = sorted(
        [("fetcher", rng.uniform(0.2, 1.5)), ("writer", rng.uniform(0.2, 1.5))],
        key=lambda kill: kill[1],
    )
    progress_at_kill = []
    for role, at_s in kills:
        time.sleep(max(0.0, at_s - (time.monotonic() - started)))
        victim = rng.choice(fetchers if role == "fetcher" else writers)
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait()
        pipeline.start(role)  # a restarted replacement, as an orchestrator would
        current = job(pipeline, job_id)
        progress_at_kill.append(f"{current['pages_done']}/{current['pages_total']}")
        assert current["status"] in ("pending", "running"), "the kill must land mid-sync"
    done = wait_job(pipeline, job_id)
    elapsed = time.monotonic() - started

    assert done["status"] == "succeeded", pipeline.logs()
    assert (done["pages_done"], done["pages_total"]) == (24, 24)
    assert done["items_created"] == SYNTHETIC_ITEMS
    assert done["items_seen"] == SYNTHETIC_ITEMS
    assert (done["items_updated"], done["items_unchanged"], done["items_failed"]) == (0, 0, 0)
    synthetic_standin.set_faults(latency_ms=0)
    assert_mirrors(pipeline, upstream_details(synthetic_standin))
    deadline = time.monotonic() + 10
    while pending_entries(pipeline) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert pending_entries(pipeline) == 0
    report(
        capsys,
        f"kill -9 seed={seed}",
        kills=[(r, round(t, 2)) for r, t in kills],
        pages_at_kill=progress_at_kill,
        items=done["items_created"],
        wall_s=round(elapsed, 2),
        lost=0,
        duplicated=0,
    )
