"""Guarantee 2: an upstream outage trips one shared breaker; commands wait, nothing dies."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

import pytest
import redis

from harness.backends import REDIS_HOST, REDIS_PORT
from harness.processes import Pipeline
from harness.standin.process import StandinProcess
from shared.streams.names import breaker_key
from tests.e2e.client import (
    assert_mirrors,
    dead_letters,
    pending_entries,
    start_sync,
    upstream_details,
    wait_job,
)
from tests.e2e.waiting import wait_until
from tests.fault.conftest import SYNTHETIC_ITEMS, fault_env, report

CIRCUIT_TIMEOUT_S = 2.0
PROBES = 3  # half-open probes the outage lasts for: at least two circuit timeouts


def _requests_since(standin: StandinProcess, moment: float) -> list[float]:
    """When the stand-in received each request since ``moment`` (epoch seconds)."""
    return [t for t in standin.stats()["timestamps"] if t >= moment]


def _breaker_state(pipeline: Pipeline) -> str:
    with redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=int(pipeline.env["REDIS_DB"])) as client:
        state = client.hget(breaker_key("pokemon"), "state")
    return state.decode() if isinstance(state, bytes) else "closed"


def test_outage_opens_the_breaker_and_the_sync_completes_after(
    synthetic_standin: StandinProcess,
    fresh_pipeline: Callable[[dict[str, str]], Pipeline],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Down longer than the circuit timeout: at most one probe per timeout, then full recovery."""
    pipeline = fresh_pipeline(fault_env(synthetic_standin, RETRY_CIRCUIT_TIMEOUT="2s"))
    pipeline.start_and_wait("api", "fetcher", "fetcher", "fetcher", "writer")
    synthetic_standin.set_faults(down=True)
    job_id = start_sync(pipeline)

    wait_until(
        lambda: _breaker_state(pipeline) == "open",
        timeout_s=30,
        what="the breaker opens",
        details=pipeline.logs,
    )
    synthetic_standin.reset_stats()
    opened = time.time()
    # Keep the upstream down while the breaker lets a few probes through, one per timeout.
    wait_until(
        lambda: len(_requests_since(synthetic_standin, opened)) >= PROBES,
        timeout_s=PROBES * CIRCUIT_TIMEOUT_S * 4,
        what=f"{PROBES} probes",
        details=pipeline.logs,
    )
    during = _requests_since(synthetic_standin, opened)
    outage_s = time.time() - opened
    synthetic_standin.set_faults(down=False)
    done = wait_job(pipeline, job_id)

    assert done["status"] == "succeeded", pipeline.logs()
    assert done["items_created"] == SYNTHETIC_ITEMS
    assert_mirrors(pipeline, upstream_details(synthetic_standin))
    assert dead_letters(pipeline) == 0
    assert pending_entries(pipeline) == 0
    # One probe per circuit timeout at most, however many fetchers wait.
    assert len(during) <= outage_s / CIRCUIT_TIMEOUT_S + 1
    gaps = [later - earlier for earlier, later in itertools.pairwise(during)]
    assert all(gap >= CIRCUIT_TIMEOUT_S - 0.1 for gap in gaps), gaps
    report(
        capsys,
        "breaker outage",
        fetchers=3,
        outage_s=round(outage_s, 2),
        requests_while_open=len(during),
        probe_gaps_s=[round(g, 2) for g in gaps],
        dead_letters=0,
        items=done["items_created"],
    )
