"""Guarantee 5: on SIGTERM a service finishes and acknowledges what it holds, then exits."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from typing import Any

import pytest
import redis

from harness.backends import REDIS_HOST, REDIS_PORT
from harness.processes import Pipeline, ServiceProcess
from harness.standin.process import StandinProcess
from tests.e2e.client import (
    pending_entries,
    start_sync,
    wait_job,
    wait_pages_written,
)
from tests.fault.conftest import assert_every_item_synced, fault_env, report

EXIT_WITHIN_S = 10.0


def _held_by(pipeline: Pipeline, service: ServiceProcess, stream: str, group: str) -> int:
    with redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=int(pipeline.env["REDIS_DB"])) as client:
        consumers: Any = client.xinfo_consumers(stream, group)
    mine = [c for c in consumers if f"-{service.process.pid}-" in c["name"].decode()]
    return sum(int(c["pending"]) for c in mine)


def _terminate(service: ServiceProcess) -> float:
    started = time.monotonic()
    code = service.stop(signal.SIGTERM)
    assert code == 0, service.log()
    return time.monotonic() - started


def test_sigterm_mid_batch_exits_quickly_and_leaves_nothing_behind(
    synthetic_standin: StandinProcess,
    fresh_pipeline: Callable[[dict[str, str]], Pipeline],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A fetcher and a writer stopped mid-batch exit within 10 s holding nothing; no item lost."""
    pipeline = fresh_pipeline(fault_env(synthetic_standin, WRITER_BATCH_SIZE="2"))
    _, fetcher, writer = pipeline.start_and_wait("api", "fetcher", "writer")
    synthetic_standin.set_faults(latency_ms=150)  # a page takes about half a second to fetch

    job_id = start_sync(pipeline)
    wait_pages_written(pipeline, job_id, 1)
    fetcher_exit_s = _terminate(fetcher)
    writer_exit_s = _terminate(writer)
    fetcher_held = _held_by(pipeline, fetcher, "itemsync:commands", "fetchers")
    writer_held = _held_by(pipeline, writer, "itemsync:pages", "writers")
    assert "stream.requeued_on_stop" in fetcher.log() or "page.fetched" in fetcher.log()
    synthetic_standin.set_faults(latency_ms=0)
    pipeline.start("fetcher")
    pipeline.start("writer")
    done = wait_job(pipeline, job_id)

    assert fetcher_exit_s < EXIT_WITHIN_S
    assert writer_exit_s < EXIT_WITHIN_S
    assert (fetcher_held, writer_held) == (0, 0)
    assert_every_item_synced(pipeline, done, synthetic_standin)
    assert pending_entries(pipeline) == 0
    report(
        capsys,
        "sigterm",
        fetcher_exit_s=round(fetcher_exit_s, 2),
        writer_exit_s=round(writer_exit_s, 2),
        pending_left=fetcher_held + writer_held,
        items=done["items_created"],
    )
