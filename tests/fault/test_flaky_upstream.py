"""Guarantee 3: transient upstream errors are retried with backoff until the sync is exact."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from harness.processes import Pipeline
from harness.standin.process import StandinProcess
from tests.e2e.client import assert_mirrors, pending_entries, sync, upstream_details
from tests.fault.conftest import SYNTHETIC_ITEMS, fault_env, report


def test_sync_succeeds_through_5xx_429_and_hangs(
    synthetic_standin: StandinProcess,
    fresh_pipeline: Callable[[dict[str, str]], Pipeline],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With 10% 5xx, 3% 429 (Retry-After) and 2% hangs the job succeeds and MySQL is exact."""
    pipeline = fresh_pipeline(fault_env(synthetic_standin))
    pipeline.start_and_wait("api", "fetcher", "fetcher", "writer")
    synthetic_standin.set_faults(
        error_rate=0.10, rate_429=0.03, retry_after_s=1, hang_rate=0.02, hang_s=3
    )
    synthetic_standin.reset_stats()
    started = time.monotonic()
    done = sync(pipeline)
    elapsed = time.monotonic() - started
    stats = synthetic_standin.stats()
    synthetic_standin.set_faults(error_rate=0, rate_429=0, hang_rate=0)

    assert done["status"] == "succeeded", pipeline.logs()
    assert (done["items_created"], done["items_failed"]) == (SYNTHETIC_ITEMS, 0)
    assert_mirrors(pipeline, upstream_details(synthetic_standin))
    assert pending_entries(pipeline) == 0
    by_status = stats["by_status"]
    assert int(by_status.get("429", 0)) > 0
    assert int(by_status.get("500", 0)) + int(by_status.get("503", 0)) > 0
    report(
        capsys,
        "flaky upstream",
        requests=stats["requests"],
        by_status=by_status,
        items=done["items_created"],
        wall_s=round(elapsed, 2),
    )
