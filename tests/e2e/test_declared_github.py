"""A declared source end to end: one YAML file in SOURCES_DIR syncs GitHub-shaped issues."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymysql
import pytest

from harness.processes import Pipeline, free_port, reset_backends, running_pipeline, service_env
from harness.standin.process import StandinProcess, run_standin
from tests.e2e.client import API_TOKEN, sync
from tests.e2e.conftest import E2E_DATABASE, E2E_REDIS_DB

TOKEN = "e2e-github-token-91ce"
ISSUES = 45
DEFINITION = """\
name: github
base_url: ${GITHUB_BASE_URL}
auth: {type: bearer, token: ${GITHUB_TOKEN}}
headers: {Accept: application/vnd.github+json}
list:
  path: /repos/acme/widgets/issues
  params: {state: all, per_page: 20}
  paginator: {type: link_header, max_pages: 50}
  records: $
  id: number
  name: title
incremental: {cursor_field: updated_at, param: since}
"""


@pytest.fixture
def github_standin() -> Iterator[StandinProcess]:
    """The stand-in upstream serving GitHub-shaped issues to our token."""
    with run_standin("--github-token", TOKEN, "--github-issues", str(ISSUES)) as server:
        yield server


@pytest.fixture
def github_pipeline(
    backends: None, github_standin: StandinProcess, tmp_path: Path
) -> Iterator[Pipeline]:
    """A migrated, empty pipeline whose SOURCES_DIR holds the one github.yaml."""
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "github.yaml").write_text(DEFINITION, encoding="utf-8")
    env = service_env(
        DATABASE_DATABASE=E2E_DATABASE,
        REDIS_DB=str(E2E_REDIS_DB),
        SERVER_PORT=str(free_port()),
        API_TOKEN=API_TOKEN,
        API_API_TYPE="pokemon,github",
        POKEAPI_BASE_URL=github_standin.pokeapi_url,
        SOURCES_DIR=str(sources),
        GITHUB_BASE_URL=github_standin.github_url,
        GITHUB_TOKEN=TOKEN,
        WORKER_ENABLED="false",
    )
    reset_backends(env)
    with running_pipeline(env, tmp_path) as running:
        migrated = running.run_cli("migrate")
        assert migrated.returncode == 0, migrated.stderr
        yield running


def _rows(pipeline: Pipeline, query: str) -> list[dict[str, Any]]:
    conn = pymysql.connect(
        host="127.0.0.1", user="root", password="", database=pipeline.env["DATABASE_DATABASE"]
    )
    with conn.cursor(pymysql.cursors.DictCursor) as cur:
        cur.execute(query)
        rows = list(cur.fetchall())
    conn.close()
    return rows


def test_declared_github_source_syncs_every_issue_once_then_only_what_changed(
    github_pipeline: Pipeline, github_standin: StandinProcess
) -> None:
    """Every issue is stored once; the next sync sends since and fetches only the change."""
    pipeline = github_pipeline
    pipeline.start("api")
    pipeline.start("fetcher")
    pipeline.start("writer")
    pipeline.wait_for_api()

    done = sync(pipeline, api_source="github", operation="list")
    assert done["status"] == "succeeded", pipeline.logs()
    assert (done["pages_total"], done["items_created"]) == (3, ISSUES)
    stored = _rows(pipeline, "SELECT external_id FROM items WHERE api_source = 'github'")
    assert sorted(int(row["external_id"]) for row in stored) == list(range(1, ISSUES + 1))
    (kept,) = _rows(pipeline, "SELECT cursor_value FROM source_cursors")

    github_standin.control("POST", "github/issues/7/touch")
    again = sync(pipeline, api_source="github", operation="list")
    assert again["status"] == "succeeded", pipeline.logs()
    assert again["items_updated"] == 1
    assert again["items_seen"] < ISSUES  # only what changed since the kept cursor
    assert again["items_deleted"] == 0  # an incremental job marks no deletions
    (moved,) = _rows(pipeline, "SELECT cursor_value FROM source_cursors")
    assert moved["cursor_value"] > kept["cursor_value"]
    live = _rows(
        pipeline,
        "SELECT COUNT(*) AS n FROM items WHERE api_source = 'github' AND deleted_at IS NULL",
    )
    assert live == [{"n": ISSUES}]
