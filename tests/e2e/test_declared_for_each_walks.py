"""A for_each source whose lists run to several pages: each value's walk is counted, and the
job ends once every walk has."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.processes import Pipeline, free_port, reset_backends, running_pipeline, service_env
from harness.standin.github_source import OWNER, github_definition
from harness.standin.process import StandinProcess, run_standin
from tests.e2e.client import API_TOKEN, mysql_rows, sync
from tests.e2e.conftest import E2E_DATABASE, E2E_REDIS_DB

TOKEN = "e2e-github-token-5d0a"
ISSUES = 45  # per repository: three pages of 20 each
REPOS = ("widgets", "gadgets")
DEFINITION = github_definition(
    per_page=20, max_pages=50, repos=REPOS, accept_header=False, incremental=False
)


@pytest.fixture
def github_pipeline(backends: None, tmp_path: Path) -> Iterator[Pipeline]:
    """A migrated, empty pipeline whose one declared source walks two repositories' issues."""
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "github.yaml").write_text(DEFINITION, encoding="utf-8")
    server: StandinProcess
    with run_standin("--github-token", TOKEN, "--github-issues", str(ISSUES)) as server:
        env = service_env(
            DATABASE_DATABASE=E2E_DATABASE,
            REDIS_DB=str(E2E_REDIS_DB),
            SERVER_PORT=str(free_port()),
            API_TOKEN=API_TOKEN,
            API_API_TYPE="pokemon,github",
            POKEAPI_BASE_URL=server.pokeapi_url,
            SOURCES_DIR=str(sources),
            GITHUB_BASE_URL=server.github_url,
            GITHUB_TOKEN=TOKEN,
            WORKER_ENABLED="false",
        )
        reset_backends(env)
        with running_pipeline(env, tmp_path) as running:
            migrated = running.run_cli("migrate")
            assert migrated.returncode == 0, migrated.stderr
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
