"""A declared source end to end: one YAML file in SOURCES_DIR syncs GitHub-shaped issues."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from harness.backends import REDIS_HOST, REDIS_PORT
from harness.processes import Pipeline
from harness.secrets import assert_no_secret, mysql_dump
from harness.standin.github_source import github_definition
from harness.standin.process import StandinProcess, run_standin
from shared.streams.names import breaker_key
from tests.e2e.client import API_TOKEN, http, mysql_rows, redis_dump, start_sync, sync, wait_job
from tests.e2e.conftest import E2E_DATABASE, E2E_REDIS_DB, declared_github_pipeline

TOKEN = "e2e-github-token-91ce"
WRONG_TOKEN = "wrong-gh-Qm7xT2vK9pLr4sWz8nBc"  # distinctive: found only if it leaked
ISSUES = 45
DEFINITION = github_definition(per_page=20, max_pages=50)


@pytest.fixture
def github_standin() -> Iterator[StandinProcess]:
    """The stand-in upstream serving GitHub-shaped issues to our token."""
    with run_standin("--github-token", TOKEN, "--github-issues", str(ISSUES)) as server:
        yield server


@pytest.fixture
def github_pipeline(
    backends: None, github_standin: StandinProcess, tmp_path: Path
) -> Iterator[Pipeline]:
    """The pipeline with the token the stand-in accepts."""
    with declared_github_pipeline(
        github_standin, tmp_path, definition=DEFINITION, token=TOKEN
    ) as running:
        yield running


@pytest.fixture
def wrong_token_pipeline(
    backends: None, github_standin: StandinProcess, tmp_path: Path
) -> Iterator[Pipeline]:
    """The pipeline with a token the stand-in rejects, in every service's settings."""
    with declared_github_pipeline(
        github_standin, tmp_path, definition=DEFINITION, token=WRONG_TOKEN
    ) as running:
        yield running


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
    stored = mysql_rows(pipeline, "SELECT external_id FROM items WHERE api_source = 'github'")
    assert sorted(int(row["external_id"]) for row in stored) == list(range(1, ISSUES + 1))
    (kept,) = mysql_rows(pipeline, "SELECT cursor_value FROM source_cursors")

    github_standin.control("POST", "github/issues/7/touch")
    again = sync(pipeline, api_source="github", operation="list")
    assert again["status"] == "succeeded", pipeline.logs()
    assert again["items_updated"] == 1
    assert again["items_seen"] < ISSUES  # only what changed since the kept cursor
    assert again["items_deleted"] == 0  # an incremental job marks no deletions
    (moved,) = mysql_rows(pipeline, "SELECT cursor_value FROM source_cursors")
    assert moved["cursor_value"] > kept["cursor_value"]
    live = mysql_rows(
        pipeline,
        "SELECT COUNT(*) AS n FROM items WHERE api_source = 'github' AND deleted_at IS NULL",
    )
    assert live == [{"n": ISSUES}]


def _text(url: str) -> str:
    """GET ``url`` with the write token; the answer as text, whatever its status."""
    request = urllib.request.Request(url)  # noqa: S310 - local URL
    request.add_header("Authorization", f"Bearer {API_TOKEN}")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return str(answer.read().decode())
    except urllib.error.HTTPError as exc:
        with exc:  # closes its socket now, not whenever it is collected
            return str(exc.read().decode())


def _github_breaker(pipeline: Pipeline) -> str:
    with redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=E2E_REDIS_DB) as client:
        state = client.hget(breaker_key("github"), "state")
    return "closed" if state is None else str(state.decode())


def test_a_wrong_token_fails_the_job_clearly_and_is_written_nowhere(
    wrong_token_pipeline: Pipeline,
) -> None:
    """A 401 fails the job naming the source, leaves the breaker shut, and the token unwritten."""
    pipeline = wrong_token_pipeline
    _, fetcher, _ = pipeline.start_and_wait("api", "fetcher", "writer")

    job_id = start_sync(pipeline, api_source="github", operation="list")
    failed = wait_job(pipeline, job_id, timeout_s=60)
    assert failed["status"] == "failed", pipeline.logs()
    assert failed["error"] == "github rejected the token (HTTP 401)", pipeline.logs()
    assert failed["items_created"] == 0
    assert _github_breaker(pipeline) == "closed"
    _, health = http("GET", f"{pipeline.api_url}/health")
    assert health["breakers"]["github"] == "closed", health

    answers = [
        _text(f"{pipeline.api_url}{path}")
        for path in (f"/jobs/{job_id}", "/jobs", "/health", "/metrics", f"/jobs/{job_id}/events")
    ]
    with redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=E2E_REDIS_DB) as client:
        stored_redis = redis_dump(client)
    captured = "\n".join(
        [
            *(service.log() for service in pipeline.services),
            *answers,
            mysql_dump(E2E_DATABASE),
            stored_redis,
        ]
    )
    # We did search the real output: the failure is in the logs, the job, the events and MySQL.
    assert captured.count("github rejected the token (HTTP 401)") >= 4, captured
    assert_no_secret(captured, [WRONG_TOKEN])

    # The right token: the same source syncs every issue.
    fetcher.stop()
    pipeline.start("fetcher", GITHUB_TOKEN=TOKEN)
    done = sync(pipeline, api_source="github", operation="list")
    assert done["status"] == "succeeded", pipeline.logs()
    assert (done["pages_total"], done["items_created"]) == (3, ISSUES)
