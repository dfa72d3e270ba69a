"""``item-sync sources check NAME`` against the stand-in's GitHub-shaped API, as a real process.

Redis and MySQL point at ports where nothing listens: the check must need neither.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.processes import free_port, run_cli, service_env
from harness.standin.process import StandinProcess, run_standin

TOKEN = "check-github-token-5d1e"
ISSUES = 45
GITHUB = """\
name: github
base_url: ${GITHUB_BASE_URL}
auth: {type: bearer, token: ${GITHUB_TOKEN}}
list:
  path: /repos/acme/widgets/issues
  params: {state: all, per_page: 20}
  paginator: {type: link_header}
  records: $
  id: number
  name: title
incremental: {cursor_field: updated_at, param: since, initial: "2000-01-01T00:00:00Z"}
"""
DETAIL = "detail: {path: '/repos/acme/widgets/issues/{id}'}\n"
ITEM_LINE = re.compile(r"^  id=(\d+)  name='.*'  payload=[\d,]+ bytes  hash=[0-9a-f]{16}$", re.M)


@pytest.fixture
def standin() -> Iterator[StandinProcess]:
    """The stand-in serving GitHub-shaped issues to ``TOKEN`` only."""
    with run_standin("--github-token", TOKEN, "--github-issues", str(ISSUES)) as server:
        yield server


def _check(
    standin: StandinProcess, tmp_path: Path, *, token: str, definition: str = GITHUB
) -> subprocess.CompletedProcess[str]:
    sources = tmp_path / "sources"
    sources.mkdir(exist_ok=True)
    (sources / "github.yaml").write_text(definition, encoding="utf-8")
    nowhere = str(free_port())  # nothing listens: a check that asked Redis or MySQL fails
    env = service_env(
        SOURCES_DIR=str(sources),
        GITHUB_BASE_URL=standin.github_url,
        GITHUB_TOKEN=token,
        REDIS_PORT=nowhere,
        DATABASE_PORT=nowhere,
    )
    return run_cli("sources", "check", "github", env=env, cwd=tmp_path)


def test_check_prints_the_first_records_and_the_next_page(
    standin: StandinProcess, tmp_path: Path
) -> None:
    """One request: the records' ids, sizes and hashes, the next page, and exit 0."""
    done = _check(standin, tmp_path, token=TOKEN)
    assert done.returncode == 0, done.stdout + done.stderr
    ids = [int(found) for found in ITEM_LINE.findall(done.stdout)]
    assert ids == [45, 44, 43, 42, 41], done.stdout  # the stand-in lists the newest first
    assert "20 records on the first page" in done.stdout
    assert "  with Authorization: ***" in done.stdout.splitlines()
    assert "since=2000-01-01T00%3A00%3A00Z" in done.stdout.splitlines()[0]
    assert re.search(
        r"^pagination: next page \(one at a time\): http://\S+page=2", done.stdout, re.M
    )
    assert done.stdout.splitlines()[-1].startswith("ok: github answered")
    assert TOKEN not in done.stdout + done.stderr
    assert standin.stats()["github_requests"] == 1


def test_check_with_detail_fetches_one_detail(standin: StandinProcess, tmp_path: Path) -> None:
    """With detail: the list page's ids and names, then one detail, whose payload is shown."""
    done = _check(standin, tmp_path, token=TOKEN, definition=GITHUB + DETAIL)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"detail: GET {standin.github_url}/repos/acme/widgets/issues/45" in done.stdout
    listed, after_detail = done.stdout.split("detail: GET", 1)
    assert "(each stored as its detail); the first 5:" in listed
    assert re.search(r"^  id=45  name='[^']*'$", listed, re.M), listed  # no payload: not stored
    assert [int(found) for found in ITEM_LINE.findall(after_detail)] == [45]
    assert standin.stats()["by_kind"] == {
        **standin.stats()["by_kind"],
        "github": 1,
        "github_issue": 1,
    }


def test_a_wrong_token_fails_with_one_line_and_never_shows_a_token(
    standin: StandinProcess, tmp_path: Path
) -> None:
    """401: exit 1, one error line naming the source and the status; no token anywhere."""
    wrong = "wrong-github-token-77aa"
    done = _check(standin, tmp_path, token=wrong)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.strip().splitlines()[-1] == "error: github rejected the token (HTTP 401)"
    assert wrong not in done.stdout + done.stderr
    assert TOKEN not in done.stdout + done.stderr


def test_an_empty_token_fails_before_any_request(standin: StandinProcess, tmp_path: Path) -> None:
    """A definition whose secret is blank sends nothing and says which key is missing."""
    definition = GITHUB.replace("${GITHUB_TOKEN}", "${GITHUB_TOKEN:-}")
    done = _check(standin, tmp_path, token="", definition=definition)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("error: github has no token")
    assert standin.stats().get("github_requests", 0) == 0


def test_a_key_in_the_query_is_shown_masked_only(tmp_path: Path) -> None:
    """The built-in openweather: its appid is sent and named, and its value never printed."""
    key = "check-openweather-key-31f0"
    with run_standin("--openweather-key", key) as server:
        env = service_env(
            OPENWEATHER_BASE_URL=server.openweather_url,
            OPENWEATHER_API_KEY=key,
            OPENWEATHER_CITIES="London,Paris",
        )
        done = run_cli("sources", "check", "openweather", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "for_each: 2 values of {city}, one request each; checking the first: London"
    assert "  with appid=*** in the query" in lines
    assert ITEM_LINE.search(done.stdout)
    assert key not in done.stdout + done.stderr


def test_an_answer_that_does_not_fit_names_the_path(
    standin: StandinProcess, tmp_path: Path
) -> None:
    """An id path the records lack: exit 1, one line naming the page and the path."""
    definition = GITHUB.replace("id: number", "id: user.nope")
    done = _check(standin, tmp_path, token=TOKEN, definition=definition)
    assert done.returncode == 1, done.stdout + done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: the first list page failed: path 'user.nope' is absent"), last
