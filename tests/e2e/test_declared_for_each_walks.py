"""A for_each source whose lists run to several pages: each value's walk is counted, and the
job ends once every walk has."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.processes import Pipeline
from harness.standin.github_source import OWNER, github_definition
from harness.standin.process import StandinProcess, run_standin
from tests.e2e.client import mysql_rows, sync
from tests.e2e.conftest import declared_github_pipeline

TOKEN = "e2e-github-token-5d0a"
ISSUES = 45  # per repository: three pages of 20 each
REPOS = ("widgets", "gadgets")
DEFINITION = github_definition(
    per_page=20, max_pages=50, repos=REPOS, accept_header=False, incremental=False
)


@pytest.fixture
def github_pipeline(backends: None, tmp_path: Path) -> Iterator[Pipeline]:
    """A migrated, empty pipeline whose one declared source walks two repositories' issues."""
    server: StandinProcess
    with (
        run_standin("--github-token", TOKEN, "--github-issues", str(ISSUES)) as server,
        declared_github_pipeline(server, tmp_path, definition=DEFINITION, token=TOKEN) as running,
    ):
        yield running


def test_a_for_each_walk_of_several_pages_per_value_ends_succeeded(
    github_pipeline: Pipeline,
) -> None:
    """Both repositories' three pages are counted; every issue of each is stored once."""
    pipeline = github_pipeline
    pipeline.start_and_wait("api", "fetcher", "writer")

    done = sync(pipeline, api_source="github", operation="list")
    assert done["status"] == "succeeded", pipeline.logs()
    assert (done["pages_total"], done["pages_done"]) == (6, 6)
    assert done["items_created"] == 2 * ISSUES
    rows = mysql_rows(pipeline, "SELECT external_id FROM items WHERE api_source = 'github'")
    stored = sorted(row["external_id"] for row in rows)
    expected = sorted(f"{OWNER}/{repo}/issues/{n}" for repo in REPOS for n in range(1, ISSUES + 1))
    assert stored == expected
