"""Guarantee 4: two schedulers never open two jobs for one source in one interval."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pymysql
import pytest

from harness.processes import Pipeline
from harness.standin.process import run_standin
from tests.e2e.waiting import wait_until
from tests.fault.conftest import fault_env, report

JOBS_OF_FLOW = 3  # scheduled jobs to see open and finish once workers run


def _jobs(pipeline: Pipeline) -> list[tuple[str, str, float]]:
    conn = pymysql.connect(
        host="127.0.0.1", user="root", password="", database=pipeline.env["DATABASE_DATABASE"]
    )
    with conn.cursor() as cur:
        cur.execute("SELECT `trigger`, status, UNIX_TIMESTAMP(started_at) FROM sync_jobs")
        rows = [(str(t), str(s), float(at)) for t, s, at in cur.fetchall()]
    conn.close()
    return rows


def test_two_schedulers_open_one_job_per_source_per_interval(
    fresh_pipeline: Callable[[dict[str, str]], Pipeline],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Two schedulers: one job while it stays open; once jobs finish, one per interval."""
    with run_standin("--synthetic", "40") as standin:
        env = fault_env(standin, WORKER_ENABLED="true", WORKER_SYNC_INTERVAL="2s")
        pipeline = fresh_pipeline(env)
        schedulers = [pipeline.start("scheduler"), pipeline.start("scheduler")]
        # Three intervals with nothing to run the first job: two later ticks find it open.
        wait_until(
            lambda: sum(s.count_events("job.skipped") for s in schedulers) >= 2,
            timeout_s=20,
            what="two ticks skipped for the open job",
            details=pipeline.logs,
        )
        blocked = _jobs(pipeline)
        assert [(t, s) for t, s, _ in blocked] == [("scheduled", "pending")]

        for role in ("fetcher", "writer"):
            pipeline.start(role)
        flowed_s = wait_until(
            lambda: len(_jobs(pipeline)) >= 1 + JOBS_OF_FLOW,
            timeout_s=30,
            what=f"{JOBS_OF_FLOW} more jobs once workers run",
            details=pipeline.logs,
        )
        pipeline.stop_all()
        jobs = _jobs(pipeline)
    per_interval = Counter(int(at // 2) for _, _, at in jobs)
    assert max(per_interval.values()) == 1, per_interval
    assert len(jobs) >= 3
    assert {t for t, _, _ in jobs} == {"scheduled"}
    report(
        capsys,
        "two schedulers",
        jobs_while_first_open=len(blocked),
        jobs_of_flow=len(jobs) - 1,
        flow_s=round(flowed_s, 2),
        max_jobs_per_interval=max(per_interval.values()),
    )
