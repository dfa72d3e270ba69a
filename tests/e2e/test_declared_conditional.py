"""Conditional requests and the change signal of declared sources, end to end: YAML files
in SOURCES_DIR, real services, the stand-in's GitHub-shaped issues over HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymysql
import pytest

from harness.processes import Pipeline, free_port, reset_backends, running_pipeline, service_env
from harness.standin.process import StandinProcess, run_standin
from tests.e2e.client import API_TOKEN, sync
from tests.e2e.conftest import E2E_DATABASE, E2E_REDIS_DB

TOKEN = "e2e-github-token-5d0c"
ISSUES = 40  # two full pages of 20: an issue added later starts a third
HEAD = """\
base_url: ${GITHUB_BASE_URL}
auth: {type: bearer, token: ${GITHUB_TOKEN}}
list:
  path: /repos/acme/widgets/issues
  params: {state: all, per_page: 20, sort: created, direction: asc}
  paginator: {type: link_header, max_pages: 10}
  records: $
  id: number
  name: title
"""
# The newest update in the repository, read at a path into a one-issue answer.
NEWEST = "${GITHUB_BASE_URL}/repos/acme/widgets/issues?state=all&sort=updated&per_page=1"
SOURCES = {  # conditional requests are on by default: only github_plain turns them off
    "github": "name: github\n" + HEAD,
    "github_plain": "name: github_plain\nconditional: false\n" + HEAD,
    "github_since": "name: github_since\n"
    + HEAD
    + "incremental: {cursor_field: updated_at, param: since}\n",
    "github_signal": "name: github_signal\n"
    + HEAD
    + f"change_signal: {{url: '{NEWEST}', field: 0.updated_at}}\n",
    "github_nosignal": "name: github_nosignal\n"
    + HEAD
    + f"change_signal: {{url: '{NEWEST}', field: 0.no_such_field}}\n",
}


@pytest.fixture
def github_standin() -> Iterator[StandinProcess]:
    with run_standin("--github-token", TOKEN, "--github-issues", str(ISSUES)) as server:
        yield server


@pytest.fixture
def pipeline(backends: None, github_standin: StandinProcess, tmp_path: Path) -> Iterator[Pipeline]:
    """A migrated, empty pipeline with the definitions above, its services running."""
    sources = tmp_path / "sources"
    sources.mkdir()
    for name, text in SOURCES.items():
        (sources / f"{name}.yaml").write_text(text, encoding="utf-8")
    env = service_env(
        DATABASE_DATABASE=E2E_DATABASE,
        REDIS_DB=str(E2E_REDIS_DB),
        SERVER_PORT=str(free_port()),
        API_TOKEN=API_TOKEN,
        API_API_TYPE=",".join(["pokemon", *SOURCES]),
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
        running.start_and_wait("api", "fetcher", "writer")
        yield running


def _sql(pipeline: Pipeline, query: str, *args: object) -> list[dict[str, Any]]:
    conn = pymysql.connect(
        host="127.0.0.1", user="root", password="", database=pipeline.env["DATABASE_DATABASE"]
    )
    with conn.cursor(pymysql.cursors.DictCursor) as cur:
        cur.execute(query, args)
        rows = list(cur.fetchall())
    conn.commit()
    conn.close()
    return rows


def _counts(job: dict[str, Any]) -> tuple[Any, ...]:
    keys = ("status", "pages_total", "items_created", "items_updated", "items_unchanged")
    return (*(job[key] for key in keys), job["items_deleted"])


def _synced(pipeline: Pipeline, standin: StandinProcess, source: str, **body: object) -> Any:
    """One list sync of ``source``, and what the stand-in answered meanwhile."""
    standin.reset_stats()
    job = sync(pipeline, api_source=source, operation="list", **body)
    assert job["status"] == "succeeded", pipeline.logs()
    return job, standin.stats()


def _answers(stats: dict[str, Any]) -> tuple[int, int]:
    return stats["github_requests"], stats["not_modified"]


def test_link_walk_pages_are_conditional_and_a_304_never_loses_an_item(
    pipeline: Pipeline, github_standin: StandinProcess
) -> None:
    """Each list page keeps its answer and next link; an unchanged page is a bodiless 304
    counted unchanged; a grown list, a lost row and a forced sync stay exact."""
    standin = github_standin
    first, stats = _synced(pipeline, standin, "github")
    assert _counts(first) == ("succeeded", 2, ISSUES, 0, 0, 0)
    assert _answers(stats) == (2, 0)
    full_bytes = stats["body_bytes"]

    again, stats = _synced(pipeline, standin, "github")
    assert _counts(again) == ("succeeded", 2, 0, 0, ISSUES, 0)
    assert _answers(stats) == (2, 2)
    assert stats["body_bytes"] == 0

    # 304s that repeat no Link header walk on from the kept link. The last kept answer
    # named no next page; its 304 cannot say whether the list grew, so it is asked in full.
    standin.set_faults(github_304_without_link=True)
    standin.add_github_issue()  # a third page; page 2's body, and so its ETag, unchanged
    _sql(pipeline, "DELETE FROM items WHERE api_source = 'github' AND external_id = '5'")
    grown, stats = _synced(pipeline, standin, "github")
    # Issue 5's page is a 304: its stored answer, confirmed current, brings the row back.
    assert _counts(grown) == ("succeeded", 3, 2, 0, ISSUES - 1, 0)
    assert _answers(stats) == (4, 2)  # page 1: 304; page 2: 304, then 200; page 3: 200
    live = _sql(
        pipeline,
        "SELECT COUNT(*) AS n FROM items WHERE api_source = 'github' AND deleted_at IS NULL",
    )
    assert live == [{"n": ISSUES + 1}]

    forced, stats = _synced(pipeline, standin, "github", force_sync=True)
    assert _counts(forced) == ("succeeded", 3, 0, ISSUES + 1, 0, 0)
    assert _answers(stats) == (3, 0)  # no validators sent
    assert stats["body_bytes"] >= full_bytes

    # An incremental source: each `since` is its own page, conditional like any other.
    since, stats = _synced(pipeline, standin, "github_since")
    assert _counts(since) == ("succeeded", 3, ISSUES + 1, 0, 0, 0)
    standin.touch_github_issue(7)
    changed, stats = _synced(pipeline, standin, "github_since")
    assert (changed["items_created"], changed["items_updated"]) == (0, 1)
    assert changed["items_seen"] < ISSUES
    quiet, stats = _synced(pipeline, standin, "github_since")  # asks since the touch
    kept = _sql(pipeline, "SELECT api_source, cursor_value FROM source_cursors")
    repeated, stats = _synced(pipeline, standin, "github_since")  # the same since
    assert _counts(repeated) == ("succeeded", 1, 0, 0, quiet["items_seen"], 0)
    assert _answers(stats) == (2, 1)  # a one-page answer: 304, then asked in full
    # The 304's stored records keep the cursor where they found it.
    assert _sql(pipeline, "SELECT api_source, cursor_value FROM source_cursors") == kept
    assert [row["api_source"] for row in kept] == ["github_since"]


def test_conditional_false_sends_no_validators(
    pipeline: Pipeline, github_standin: StandinProcess
) -> None:
    """A file that turns conditional requests off asks every page in full, every time."""
    for _ in range(2):
        job, stats = _synced(pipeline, github_standin, "github_plain")
        assert job["items_seen"] == ISSUES
        assert _answers(stats) == (2, 0)
        assert stats["body_bytes"] > 0
    _synced(pipeline, github_standin, "github")  # the same API, conditional by default
    kept = _sql(
        pipeline,
        "SELECT api_source, COUNT(*) AS n FROM list_answers GROUP BY api_source",
    )
    assert kept == [{"api_source": "github", "n": 2}]  # none kept for github_plain


def test_the_change_signal_is_read_at_a_path_and_an_unreadable_one_sweeps(
    pipeline: Pipeline, github_standin: StandinProcess
) -> None:
    """``field: 0.updated_at`` reads the newest update: unchanged, a sync is one request;
    a field the answer lacks means a sweep, never a failed job."""
    standin = github_standin
    first, stats = _synced(pipeline, standin, "github_signal")
    assert _counts(first) == ("succeeded", 2, ISSUES, 0, 0, 0)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first["change_signal"])
    assert first["signal_skipped"] is False

    quiet, stats = _synced(pipeline, standin, "github_signal")
    assert quiet["signal_skipped"] is True
    assert quiet["change_signal"] == first["change_signal"]
    assert (quiet["items_unchanged"], quiet["items_deleted"]) == (ISSUES, 0)
    assert _answers(stats) == (1, 0)  # the signal only

    standin.touch_github_issue(7)
    swept, stats = _synced(pipeline, standin, "github_signal")
    assert swept["signal_skipped"] is False
    assert swept["change_signal"] > first["change_signal"]
    assert _counts(swept) == ("succeeded", 2, 0, 1, ISSUES - 1, 0)
    assert _answers(stats) == (3, 1)  # the signal, the changed page, a 304

    for _ in range(2):  # no signal: every sync sweeps
        blind, stats = _synced(pipeline, standin, "github_nosignal")
        assert (blind["change_signal"], blind["signal_skipped"]) == (None, False)
        assert blind["items_seen"] == ISSUES
        assert stats["github_requests"] == 3
