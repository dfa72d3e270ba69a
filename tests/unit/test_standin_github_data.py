"""The stand-in's GitHub-shaped issues: since, record shape and size, control, counters, faults."""

from __future__ import annotations

import statistics
import urllib.request
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from harness.standin.__main__ import build_parser, state_from_args
from harness.standin.app import create_app
from harness.standin.github_data import DATA_END
from harness.standin.process import run_standin
from harness.standin.state import DEFAULT_GITHUB_TOKEN, StandinState

Client = TestClient[web.Request, web.Application]
ISSUES = "/repos/octo/item-sync/issues"
ALL = f"{ISSUES}?state=all&per_page=100"
AUTH = {"Authorization": f"token {DEFAULT_GITHUB_TOKEN}"}
AFTER_DATA = "2026-01-01T00:00:00Z"  # later than every generated updated_at
ISSUE_KEYS = {
    "url", "repository_url", "labels_url", "comments_url", "events_url", "html_url", "id",
    "node_id", "number", "title", "user", "labels", "state", "locked", "assignee", "assignees",
    "milestone", "comments", "created_at", "updated_at", "closed_at", "author_association",
    "active_lock_reason", "body", "reactions", "timeline_url", "performed_via_github_app",
    "state_reason",
}  # fmt: skip
USER_KEYS = {"login", "id", "node_id", "avatar_url", "url", "html_url", "type", "site_admin"}
LABEL_KEYS = {"id", "node_id", "url", "name", "color", "default", "description"}
REACTION_KEYS = {"url", "total_count", "+1", "-1", "laugh", "hooray", "confused", "heart"}


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    """A stand-in serving the default 250 issues."""
    test_client: Client = TestClient(TestServer(create_app(StandinState.create())))
    await test_client.start_server()
    yield test_client
    await test_client.close()


async def fetch(client: Client, path: str, status: int = 200) -> Any:
    response = await client.get(path, headers=AUTH)
    assert response.status == status, await response.text()
    return orjson.loads(await response.read())


async def all_issues(client: Client) -> list[dict[str, Any]]:
    return [r for page in (1, 2, 3) for r in await fetch(client, f"{ALL}&page={page}")]


async def control(client: Client, path: str, body: object = None, status: int = 200) -> Any:
    response = await client.post(f"/_standin/{path}", json=body)
    assert response.status == status, await response.text()
    return await response.json()


# --- since --------------------------------------------------------------------------------


async def test_since_keeps_issues_updated_at_or_after_it(client: Client) -> None:
    everything = await all_issues(client)
    since = sorted(r["updated_at"] for r in everything)[200]
    chosen = await fetch(client, f"{ALL}&since={since}")
    assert {r["number"] for r in chosen} == {
        r["number"] for r in everything if r["updated_at"] >= since
    }
    assert len(chosen) >= 50
    assert await fetch(client, f"{ALL}&since={AFTER_DATA}") == []


async def test_since_after_a_touch_returns_the_touched_issues_edited(client: Client) -> None:
    before = {r["number"]: r for r in await all_issues(client)}
    await control(client, "github/issues/5/touch")
    await control(client, "github/issues/17/touch", {"state": "closed"})
    changed = await fetch(client, f"{ALL}&since={AFTER_DATA}")
    assert sorted(r["number"] for r in changed) == [5, 17]
    for record in changed:
        old = before[record["number"]]
        assert record["updated_at"] > old["updated_at"]
        assert record["title"] != old["title"]
        assert record["body"] != old["body"]
        assert record["created_at"] == old["created_at"]
    assert next(r for r in changed if r["number"] == 17)["state"] == "closed"


@pytest.mark.parametrize(
    "since",
    ["yesterday", "2024-13-01T00:00:00Z", "2024-01-01", "2024-01-01 00:00:00Z", "", "1e9"],
)
async def test_a_malformed_since_is_a_validation_failure(client: Client, since: str) -> None:
    body = await fetch(client, f"{ISSUES}?since={since}", status=422)
    assert body["message"] == "Validation Failed"
    assert body["errors"][0]["field"] == "since"
    assert body["status"] == "422"


async def test_since_accepts_fractions_and_offsets(client: Client) -> None:
    assert await fetch(client, f"{ISSUES}?since=2026-01-01T01:00:00.250%2B01:00") == []


# --- records ------------------------------------------------------------------------------


async def test_records_have_githubs_shape_and_realistic_sizes(client: Client) -> None:
    pages = [await (await client.get(f"{ALL}&page={p}", headers=AUTH)).read() for p in (1, 2, 3)]
    records = [r for page in pages for r in orjson.loads(page)]
    sizes = [len(orjson.dumps(r)) for r in records]
    assert min(sizes) > 2_000
    assert 3_000 < statistics.median(sizes) < 8_000
    assert max(sizes) > 20_000
    prefix = f"http://{client.host}:{client.port}/repos/octo/item-sync/issues/"
    for record in records:
        assert set(record) >= ISSUE_KEYS
        assert record["url"] == f"{prefix}{record['number']}"
        assert record["id"] > 2**31
        assert set(record["user"]) >= USER_KEYS
        assert all(set(label) == LABEL_KEYS for label in record["labels"])
        assert set(record["reactions"]) >= REACTION_KEYS
        assert record["updated_at"] >= record["created_at"]
        assert record["updated_at"] <= DATA_END.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert (record["closed_at"] is None) == (record["state"] == "open")
    pulls = [r for r in records if "pull_request" in r]
    assert 20 < len(pulls) < 100
    assert all(r["pull_request"]["url"].endswith(f"/pulls/{r['number']}") for r in pulls)
    assert any(r["milestone"] for r in records)
    assert any(r["assignees"] for r in records)
    assert any(r["body"] is None for r in records)
    assert any(not (r["body"] or "").isascii() for r in records)
    assert b"@@" not in b"".join(pages)


async def test_records_are_deterministic(client: Client) -> None:
    other: Client = TestClient(TestServer(create_app(StandinState.create())))
    await other.start_server()
    # The whole host:port, not the bare port: its digits can also stand inside an id.
    ports = (f"127.0.0.1:{client.port}".encode(), f"127.0.0.1:{other.port}".encode())
    try:
        first = await (await client.get(ALL, headers=AUTH)).read()
        second = await (await other.get(ALL, headers=AUTH)).read()
    finally:
        await other.close()
    assert first.replace(ports[0], b"PORT") == second.replace(ports[1], b"PORT")


# --- control ------------------------------------------------------------------------------


async def test_add_touch_and_reset(client: Client) -> None:
    added = await control(client, "github/issues", status=201)
    assert (added["number"], added["count"], added["state"]) == (251, 251, "open")
    newest = (await fetch(client, ISSUES))[0]
    assert (newest["number"], newest["comments"], newest["closed_at"]) == (251, 0, None)
    touched = await control(client, "github/issues/3/touch", {"state": "open"})
    assert (touched["number"], touched["revision"], touched["state"]) == (3, 1, "open")
    assert (await control(client, "github/issues/3/touch"))["revision"] == 2
    await control(client, "github/issues/999/touch", status=404)
    await control(client, "github/issues/3/touch", {"state": "merged"}, status=400)
    assert await control(client, "github/reset") == {"count": 250}
    assert await fetch(client, f"{ALL}&since={AFTER_DATA}") == []
    await control(client, "github/issues/3/touch")
    await control(client, "reset")
    assert await fetch(client, f"{ALL}&since={AFTER_DATA}") == []


async def test_stats_count_github_requests_and_those_with_since(client: Client) -> None:
    await client.get(ISSUES)
    await fetch(client, ISSUES)
    await fetch(client, f"{ISSUES}?since={AFTER_DATA}")
    await fetch(client, f"{ISSUES}?since=bad", status=422)
    await fetch(client, f"{ISSUES}/1")
    await client.get("/api/v2/pokemon")
    stats = await (await client.get("/_standin/stats")).json()
    assert (stats["github_requests"], stats["github_since_requests"]) == (5, 2)
    assert stats["by_kind"]["github"] == 4
    assert stats["by_kind"]["github_issue"] == 1
    assert stats["requests"] == 6
    assert stats["by_status"]["401"] == 1
    await client.post("/_standin/stats/reset")
    stats = await (await client.get("/_standin/stats")).json()
    assert "github_requests" not in stats  # the object is as before until GitHub is asked


# --- faults and the command line ----------------------------------------------------------


async def test_faults_apply_to_the_github_api(client: Client) -> None:
    await client.put("/_standin/faults", json={"rate_429": 1.0, "retry_after_s": 7})
    response = await client.get(ISSUES, headers=AUTH)
    assert response.status == 429
    assert response.headers["Retry-After"] == "7"
    assert "secondary rate limit" in (await response.json())["message"]
    await client.put("/_standin/faults", json={"rate_429": 0.0, "down": True})
    assert (await client.get(ISSUES, headers=AUTH)).status == 503
    await client.put("/_standin/faults", json={"down": False, "broken_json_rate": 1.0})
    broken = await client.get(ISSUES, headers=AUTH)
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(await broken.read())


def test_command_line_sets_the_github_token_and_issue_count() -> None:
    args = build_parser().parse_args(["--github-token", "t0k", "--github-issues", "12"])
    state = state_from_args(args)
    assert (state.github_token, len(state.github)) == ("t0k", 12)
    assert len(state_from_args(build_parser().parse_args([])).github) == 250


@pytest.mark.e2e
def test_run_standin_serves_issues_and_its_github_helpers_change_them() -> None:
    """The real process takes the GitHub flags; touch, add and reset work through its helpers."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    args = ("--github-issues", "20", "--github-token", "p-tok")
    with run_standin(*args) as standin:
        url = f"{standin.github_url}{ISSUES}?state=all&since={AFTER_DATA}"
        # base_url is the stand-in we just started, over http://
        request = urllib.request.Request(url, headers={"Authorization": "Bearer p-tok"})  # noqa: S310
        assert standin.touch_github_issue(4, state="closed")["state"] == "closed"
        assert standin.add_github_issue() == 21
        with opener.open(request, timeout=10) as response:
            assert sorted(r["number"] for r in orjson.loads(response.read())) == [4, 21]
        standin.reset_github()
        assert standin.stats()["github_since_requests"] == 1
