"""Guarantee 4: two schedulers never open two jobs for one source in one interval."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

import pymysql
import pytest

from tests.e2e.processes import Pipeline
from tests.fault.conftest import fault_env, report
from tests.standin.process import run_standin


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
        pipeline.start("scheduler")
        pipeline.start("scheduler")
        time.sleep(5)  # about three intervals, with nothing to run the first job
        blocked = _jobs(pipeline)
        assert [(t, s) for t, s, _ in blocked] == [("scheduled", "pending")]

        for role in ("fetcher", "writer"):
            pipeline.start(role)
        time.sleep(9)
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
        jobs_in_9s_of_flow=len(jobs) - 1,
        max_jobs_per_interval=max(per_interval.values()),
    )
