"""Guarantee 8: with the writers down, fetchers push back instead of filling Redis.

Items of real PokeAPI size (the recorded details, 100 KB to 330 KB each, cycled) are synced
by two fetchers into a Redis this test owns. The writer is killed mid-sync; Redis's
``used_memory`` is sampled until both fetchers have held back for a while, and must stay
within the pages budget plus two pages per fetcher: one it may add on the same reading as
another fetcher, and one in flight in Redis's buffers. A new writer then finishes the job,
and MySQL equals the upstream.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from harness.processes import Pipeline, ServiceProcess
from harness.redis_server import redis_server
from harness.standin.process import StandinProcess, run_standin
from tests.e2e.client import assert_mirrors, job, start_sync, upstream_details, wait_job
from tests.fault.conftest import fault_env, report

ITEMS = 360
PAGE_SIZE = 5
FETCHERS = 2
FETCHER_BATCH = 4  # commands in hand at once: each waits for room before adding its page
MiB = 1024 * 1024
PAGES_BUDGET_BYTES = 8 * MiB
LARGEST_DETAIL_BYTES = 400_000  # the largest recorded detail is 327 KB, plus allocator rounding
PAGE_BYTES = PAGE_SIZE * LARGEST_DETAIL_BYTES  # the largest page this catalogue has
# Fetchers add one page at a time each, so two may pass on one reading: a page each over.
RACE_BYTES = FETCHERS * PAGE_BYTES
IN_FLIGHT_BYTES = FETCHERS * PAGE_BYTES  # a page being added sits in Redis's client buffers too
REDIS_OVERHEAD_BYTES = 2 * MiB  # client buffers, the pending-entries lists, keys besides pages
HELD_BACK_FOR_S = 3.0  # no new page for this long while every fetcher holds back
SAMPLE_EVERY_S = 0.05
DEADLINE_S = 120.0


@pytest.fixture
def own_redis() -> Iterator[redis.Redis]:
    """A Redis of this test's own, so its memory is this test's alone."""
    with redis_server("--save", "", "--appendonly", "no") as port:
        client = redis.Redis(host="127.0.0.1", port=port)
        yield client
        client.close()


@pytest.fixture
def real_size_standin() -> Iterator[StandinProcess]:
    """A stand-in PokeAPI serving 360 items of real size."""
    with run_standin("--recorded", str(ITEMS)) as server:
        yield server


def _used_memory(client: redis.Redis) -> int:
    info: Any = client.info("memory")
    return int(info["used_memory"])


def _holding_back(fetchers: list[ServiceProcess]) -> bool:
    return all(
        f.log().count("backpressure.engaged") > f.log().count("backpressure.released")
        for f in fetchers
    )


def _pending(client: redis.Redis) -> int:
    return sum(
        int(client.xpending(stream, group)["pending"])
        for stream, group in (("itemsync:commands", "fetchers"), ("itemsync:pages", "writers"))
    )


def test_fetchers_hold_redis_within_the_budget_while_writers_are_down(
    own_redis: redis.Redis,
    real_size_standin: StandinProcess,
    fresh_pipeline: Callable[[dict[str, str]], Pipeline],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Writers killed mid-sync: Redis stays within the pages budget; a new writer finishes."""
    port = own_redis.connection_pool.connection_kwargs["port"]
    env = fault_env(
        real_size_standin,
        REDIS_PORT=str(port),
        REDIS_DB="0",
        POKEAPI_PAGE_SIZE=str(PAGE_SIZE),
        POKEAPI_REQUEST_TIMEOUT="10s",
        FETCHER_BATCH_SIZE=str(FETCHER_BATCH),
        STREAM_PAGES_MAX_BYTES=str(PAGES_BUDGET_BYTES),
        STREAM_PAGES_MAX_PENDING="0",  # bytes alone hold them back
    )
    pipeline = fresh_pipeline(env)
    _, *fetchers, writer = pipeline.start_and_wait("api", *["fetcher"] * FETCHERS, "writer")
    baseline = _used_memory(own_redis)

    job_id = start_sync(pipeline)
    deadline = time.monotonic() + DEADLINE_S
    while job(pipeline, job_id)["pages_done"] < 1:
        assert time.monotonic() < deadline, pipeline.logs()
        time.sleep(0.05)
    writer.stop(signal.SIGKILL)

    peak = baseline
    last_length, last_growth = -1, time.monotonic()
    while not (_holding_back(fetchers) and time.monotonic() - last_growth >= HELD_BACK_FOR_S):
        assert time.monotonic() < deadline, pipeline.logs()
        peak = max(peak, _used_memory(own_redis))
        length = int(own_redis.xlen("itemsync:pages"))
        if length != last_length:
            last_length, last_growth = length, time.monotonic()
        time.sleep(SAMPLE_EVERY_S)
    stalled = job(pipeline, job_id)
    backlog_pages = last_length
    stream_bytes = int(own_redis.memory_usage("itemsync:pages", samples=0) or 0)

    started = time.monotonic()
    pipeline.start("writer")
    done = wait_job(pipeline, job_id, timeout_s=DEADLINE_S)
    drained_s = time.monotonic() - started

    grown = peak - baseline
    assert stalled["status"] in ("pending", "running")
    assert backlog_pages < ITEMS // PAGE_SIZE // 2  # the budget, not the catalogue, is queued
    assert stream_bytes <= PAGES_BUDGET_BYTES + RACE_BYTES
    assert grown <= PAGES_BUDGET_BYTES + RACE_BYTES + IN_FLIGHT_BYTES + REDIS_OVERHEAD_BYTES
    assert done["status"] == "succeeded", pipeline.logs()
    assert (done["items_created"], done["items_seen"]) == (ITEMS, ITEMS)
    assert_mirrors(pipeline, upstream_details(real_size_standin))
    assert _pending(own_redis) == 0
    for fetcher in fetchers:
        assert "backpressure.released" in fetcher.log(), fetcher.log()[-2000:]
    report(
        capsys,
        "backpressure with writers down",
        items=ITEMS,
        budget_mib=PAGES_BUDGET_BYTES // MiB,
        peak_used_memory_growth_mib=round(grown / MiB, 1),
        pages_queued=backlog_pages,
        pages_stream_mib=round(stream_bytes / MiB, 1),
        pages_total=ITEMS // PAGE_SIZE,
        drained_after_restart_s=round(drained_s, 1),
    )
