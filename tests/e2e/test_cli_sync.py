"""``item-sync sync --wait`` runs a whole job through real fetcher and writer processes."""

from __future__ import annotations

import re

from harness.processes import Pipeline
from tests.e2e.client import stored_rows


def test_sync_wait_follows_the_job_to_success(pipeline: Pipeline) -> None:
    """The CLI prints the job id, progress lines, a summary, and exits 0 once it succeeded."""
    pipeline.start("fetcher")
    pipeline.start("writer")

    done = pipeline.run_cli("sync", "pokemon", "--wait", timeout_s=90)

    assert done.returncode == 0, done.stdout + done.stderr + pipeline.logs()
    lines = done.stdout.strip().splitlines()
    assert re.fullmatch(r"job [0-9a-f-]{36} opened", lines[0])
    assert lines[-2].startswith("progress: pages 8/8")
    assert re.fullmatch(
        r"job [0-9a-f-]{36} succeeded: pages 8/8, items 75 \(created 75, updated 0, "
        r"unchanged 0, failed 0\) in [0-9.]+s",
        lines[-1],
    ), lines[-1]
    assert len(stored_rows(pipeline)) == 75


def test_sync_of_a_source_not_enabled_exits_1(pipeline: Pipeline) -> None:
    """A source outside API_API_TYPE is refused with one line and opens no job."""
    done = pipeline.run_cli("sync", "openweather")
    assert done.returncode == 1
    assert "not enabled: set API_API_TYPE=pokemon,openweather" in done.stderr
    status = pipeline.run_cli("status")
    assert status.returncode == 0, status.stderr
    assert "last jobs (0 of 0)" in status.stdout
