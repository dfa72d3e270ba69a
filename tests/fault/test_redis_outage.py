"""Our own parts fail: Redis cut mid-sync; every service waits and reconnects, nothing lost."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from tests.backends import REDIS_PORT
from tests.e2e.client import (
    assert_mirrors,
    dead_letters,
    health_status,
    job,
    pending_entries,
    start_sync,
    upstream_details,
    wait_job,
)
from tests.e2e.processes import Pipeline, free_port
from tests.fault.conftest import SYNTHETIC_ITEMS, fault_env, report
from tests.fault.tcp_proxy import TcpProxy, cuttable
from tests.standin.process import StandinProcess

CUT_S = 8.0


@pytest.fixture
def redis_proxy() -> Iterator[TcpProxy]:
    """A cuttable path to Redis."""
    with cuttable(REDIS_PORT) as proxy:
        yield proxy


def test_redis_cut_mid_sync_services_reconnect_and_lose_nothing(
    synthetic_standin: StandinProcess,
    fresh_pipeline: Callable[[dict[str, str]], Pipeline],
    redis_proxy: TcpProxy,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Fetchers, writers and an API behind a proxy that drops Redis for 8 s stay up and finish."""
    env = fault_env(synthetic_standin, REDIS_PORT=str(redis_proxy.port))
    pipeline = fresh_pipeline(env)
    pipeline.start("api")
    direct_api_port = str(free_port())  # polls jobs while the other API has no Redis
    pipeline.start("api", SERVER_PORT=direct_api_port, REDIS_PORT=str(REDIS_PORT))
    workers = [pipeline.start(role) for role in ("fetcher", "fetcher", "writer", "writer")]
    pipeline.wait_for_api()
    direct = Pipeline(env={**env, "SERVER_PORT": direct_api_port}, workdir=pipeline.workdir)
    synthetic_standin.set_faults(latency_ms=25)

    job_id = start_sync(pipeline)
    deadline = time.monotonic() + 30
    while job(direct, job_id)["pages_done"] < 2:
        assert time.monotonic() < deadline, pipeline.logs()
        time.sleep(0.05)
    redis_proxy.cut()
    cut_at = time.monotonic()
    pages_at_cut = job(direct, job_id)["pages_done"]
    time.sleep(2)
    health_during_cut = health_status(pipeline.api_url)
    time.sleep(max(0.0, CUT_S - (time.monotonic() - cut_at)))
    alive_after_cut = [w.role for w in workers if w.process.poll() is None]
    redis_proxy.restore()
    restored = time.monotonic()
    done = wait_job(direct, job_id)
    catch_up_s = time.monotonic() - restored

    assert health_during_cut == 503
    assert len(alive_after_cut) == len(workers), pipeline.logs()  # none crashed out
    assert done["status"] == "succeeded", pipeline.logs()
    assert (done["items_created"], done["items_seen"]) == (SYNTHETIC_ITEMS, SYNTHETIC_ITEMS)
    assert done["pages_done"] == done["pages_total"]
    synthetic_standin.set_faults(latency_ms=0)
    assert_mirrors(pipeline, upstream_details(synthetic_standin))
    assert pending_entries(pipeline) == 0
    assert dead_letters(pipeline) == 0
    assert health_status(pipeline.api_url) == 200
    report(
        capsys,
        "redis cut",
        cut_s=CUT_S,
        pages_at_cut=pages_at_cut,
        health_during_cut=health_during_cut,
        workers_alive=len(alive_after_cut),
        catch_up_s=round(catch_up_s, 2),
        items=done["items_created"],
        lost=0,
        dead_letters=0,
    )
