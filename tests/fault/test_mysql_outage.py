"""Our own parts fail: MySQL cut mid-sync; writers wait, the API says 503, nothing lost."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from harness.processes import Pipeline, free_port
from harness.standin.process import StandinProcess
from tests.e2e.client import (
    health_status,
    job,
    start_sync,
    wait_job,
    wait_nothing_pending,
    wait_pages_written,
)
from tests.e2e.waiting import wait_until
from tests.fault.conftest import assert_every_item_synced, fault_env, report
from tests.fault.tcp_proxy import TcpProxy

FAILURES_DURING_CUT = 8  # backoff 0.2, 0.4, ... s, capped at 5 s: well over ten seconds


def test_mysql_cut_mid_sync_loses_nothing(
    synthetic_standin: StandinProcess,
    fresh_pipeline: Callable[[dict[str, str]], Pipeline],
    mysql_proxy: TcpProxy,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Writers behind a proxy that drops and refuses MySQL for many seconds catch up afterwards."""
    pipeline = fresh_pipeline(fault_env(synthetic_standin))
    through_proxy = {"DATABASE_PORT": str(mysql_proxy.port)}
    pipeline.start("api")  # the job poller's API talks to MySQL directly
    cut_api_port = str(free_port())
    pipeline.start("api", SERVER_PORT=cut_api_port, **through_proxy)
    for role in ("fetcher", "fetcher"):
        pipeline.start(role)
    writers = [pipeline.start("writer", **through_proxy) for _ in range(2)]
    pipeline.wait_for_api()
    cut_api = f"http://127.0.0.1:{cut_api_port}"
    synthetic_standin.set_faults(latency_ms=25)

    job_id = start_sync(pipeline)
    wait_pages_written(pipeline, job_id, 2)
    mysql_proxy.cut()
    cut_at = time.monotonic()
    progress_at_cut = job(pipeline, job_id)["pages_done"]
    marks = [w.log_size() for w in writers]
    wait_until(
        lambda: health_status(cut_api) == 503,
        timeout_s=15,
        what="the cut API reports MySQL down",
        details=pipeline.logs,
    )
    health_during_cut = 503
    pages_during_cut = job(pipeline, job_id)["pages_done"]
    # Hold the cut until every writer has backed off to its 5 s cap: a long outage.
    wait_until(
        lambda: all(
            w.count_events("mysql.unavailable", since=since) >= FAILURES_DURING_CUT
            for w, since in zip(writers, marks, strict=True)
        ),
        timeout_s=60,
        what=f"{FAILURES_DURING_CUT} MySQL failures in every writer",
        details=pipeline.logs,
    )
    cut_s = time.monotonic() - cut_at
    pages_before_restore = job(pipeline, job_id)["pages_done"]
    mysql_proxy.restore()
    restored = time.monotonic()
    done = wait_job(pipeline, job_id)
    catch_up_s = time.monotonic() - restored

    assert health_during_cut == 503
    assert pages_before_restore <= pages_during_cut + 1  # at most a commit already in flight
    assert_every_item_synced(pipeline, done, synthetic_standin)
    # A writer may still sit in its last backoff pause (up to 5 s) with a batch the
    # others already applied (its commit landed as the cut hit): it acks on its next turn.
    wait_nothing_pending(pipeline)
    assert health_status(cut_api) == 200
    report(
        capsys,
        "mysql cut",
        cut_s=round(cut_s, 2),
        pages_at_cut=progress_at_cut,
        pages_while_cut=pages_before_restore,
        health_during_cut=health_during_cut,
        catch_up_s=round(catch_up_s, 2),
        items=done["items_created"],
        lost=0,
    )
