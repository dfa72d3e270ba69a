"""Our own parts fail: Redis cut mid-sync; every service waits and reconnects, nothing lost."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from harness.backends import REDIS_PORT
from harness.processes import Pipeline, ServiceProcess, free_port
from harness.standin.process import StandinProcess
from tests.e2e.client import (
    dead_letters,
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

FAILURES_DURING_CUT = 6  # backoff 0.2, 0.4, ... s: the cut lasts until it nears its 5 s cap


def test_redis_cut_mid_sync_services_reconnect_and_lose_nothing(
    synthetic_standin: StandinProcess,
    fresh_pipeline: Callable[[dict[str, str]], Pipeline],
    redis_proxy: TcpProxy,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Workers and an API behind a proxy that drops Redis for seconds stay up and finish."""
    env = fault_env(synthetic_standin, REDIS_PORT=str(redis_proxy.port))
    pipeline = fresh_pipeline(env)
    pipeline.start("api")
    direct_api_port = str(free_port())  # polls jobs while the other API has no Redis
    pipeline.start("api", SERVER_PORT=direct_api_port, REDIS_PORT=str(REDIS_PORT))
    workers = pipeline.start_and_wait("fetcher", "fetcher", "writer", "writer")
    direct = Pipeline(env={**env, "SERVER_PORT": direct_api_port}, workdir=pipeline.workdir)
    direct.wait_for_api()  # the job poller: polled from here on, so it must be up too
    synthetic_standin.set_faults(latency_ms=25)

    job_id = start_sync(pipeline)
    wait_pages_written(pipeline, job_id, 2, api=direct)
    redis_proxy.cut()
    cut_at = time.monotonic()
    pages_at_cut = job(direct, job_id)["pages_done"]
    marks = [w.log_size() for w in workers]
    wait_until(
        lambda: health_status(pipeline.api_url) == 503,
        timeout_s=15,
        what="the API reports Redis down",
        details=pipeline.logs,
    )
    health_during_cut = 503
    # Hold the cut until every worker has failed and backed off repeatedly: a long outage.
    wait_until(
        lambda: all(
            _redis_failures(w, since) >= FAILURES_DURING_CUT
            for w, since in zip(workers, marks, strict=True)
        ),
        timeout_s=30,
        what=f"{FAILURES_DURING_CUT} Redis failures in every worker",
        details=pipeline.logs,
    )
    cut_s = time.monotonic() - cut_at
    alive_after_cut = [w.role for w in workers if w.process.poll() is None]
    redis_proxy.restore()
    restored = time.monotonic()
    done = wait_job(direct, job_id)
    catch_up_s = time.monotonic() - restored

    assert health_during_cut == 503
    assert len(alive_after_cut) == len(workers), pipeline.logs()  # none crashed out
    assert_every_item_synced(pipeline, done, synthetic_standin)
    # A writer may still sit in its last backoff pause (up to 5 s) with a batch the
    # others already applied (its commit landed as the cut hit): it acks on its next turn.
    wait_nothing_pending(pipeline)
    assert dead_letters(pipeline) == 0
    assert health_status(pipeline.api_url) == 200
    report(
        capsys,
        "redis cut",
        cut_s=round(cut_s, 2),
        pages_at_cut=pages_at_cut,
        health_during_cut=health_during_cut,
        workers_alive=len(alive_after_cut),
        catch_up_s=round(catch_up_s, 2),
        items=done["items_created"],
        lost=0,
        dead_letters=0,
    )


def _redis_failures(worker: ServiceProcess, since: int) -> int:
    """Turns a worker's loop failed on Redis since the mark ``since``."""
    return worker.count_events("stream.batch_failed", since=since) + worker.count_events(
        "redis.unavailable", since=since
    )
