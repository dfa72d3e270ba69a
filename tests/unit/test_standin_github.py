"""The stand-in's GitHub-shaped issues API: auth, pagination, query parameters and headers."""

from __future__ import annotations

import math
import re
from typing import Any

import orjson
import pytest

from harness.standin.state import DEFAULT_GITHUB_TOKEN, StandinState
from tests.unit.standin_clients import Client, MakeClient
from tests.unit.standin_requests import put_faults

ISSUES = "/repos/octo/item-sync/issues"
AUTH = {"Authorization": f"Bearer {DEFAULT_GITHUB_TOKEN}"}
LINK = re.compile(r'<([^>]+)>; rel="(\w+)"')
BAD_CREDENTIALS = {
    "message": "Bad credentials",
    "documentation_url": "https://docs.github.com/rest",
    "status": "401",
}


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    """A stand-in serving the default 250 issues."""
    return await make_client(StandinState.create())


def origin(client: Client) -> str:
    return f"http://{client.host}:{client.port}"


def links(header: str | None) -> dict[str, str]:
    """``rel -> URL`` of an RFC 8288 ``Link`` header."""
    return {rel: url for url, rel in LINK.findall(header or "")}


async def get_issues(client: Client, path: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """GET ``path`` with the right token; require 200 and return the records and links."""
    response = await client.get(path, headers=AUTH)
    assert response.status == 200, await response.text()
    return orjson.loads(await response.read()), links(response.headers.get("Link"))


async def walk(client: Client, path: str) -> tuple[list[int], int]:
    """Follow ``rel="next"`` from ``path`` until it is absent; return numbers and page count."""
    numbers: list[int] = []
    pages = 0
    while True:
        records, rels = await get_issues(client, path)
        numbers += [record["number"] for record in records]
        pages += 1
        if "next" not in rels:
            return numbers, pages
        assert rels["next"].startswith(origin(client) + ISSUES + "?")
        path = rels["next"].removeprefix(origin(client))


# --- auth ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "token wrong"},
        {"Authorization": f"Basic {DEFAULT_GITHUB_TOKEN}"},
        {"Authorization": "Bearer "},
        {"Authorization": f"Bearer {DEFAULT_GITHUB_TOKEN}x"},
    ],
)
async def test_a_missing_or_wrong_token_gets_githubs_401(
    client: Client, headers: dict[str, str]
) -> None:
    """No token, a wrong one or another scheme: 401 with GitHub's body, the token unechoed."""
    response = await client.get(ISSUES, headers=headers)
    body = await response.read()
    assert response.status == 401
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert orjson.loads(body) == BAD_CREDENTIALS
    assert b"wrong" not in body
    assert DEFAULT_GITHUB_TOKEN not in str(response.headers)


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "token", "Token"])
async def test_both_github_schemes_are_accepted(client: Client, scheme: str) -> None:
    response = await client.get(
        ISSUES, headers={"Authorization": f"{scheme} {DEFAULT_GITHUB_TOKEN}"}
    )
    assert response.status == 200


async def test_the_expected_token_is_configurable(make_client: MakeClient) -> None:
    client = await make_client(StandinState.create(github_token="s3cret"))
    assert (await client.get(ISSUES, headers=AUTH)).status == 401
    assert (await client.get(ISSUES, headers={"Authorization": "token s3cret"})).status == 200


# --- pagination ---------------------------------------------------------------------------


@pytest.mark.parametrize("per_page", [7, 30, 100])
async def test_following_link_next_yields_every_issue_exactly_once(
    client: Client, per_page: int
) -> None:
    numbers, pages = await walk(client, f"{ISSUES}?state=all&per_page={per_page}")
    assert sorted(numbers) == list(range(1, 251))
    assert pages == math.ceil(250 / per_page)


async def test_open_and_closed_walks_partition_the_issues(client: Client) -> None:
    """The default state is open; open and closed together are all, none twice."""
    opened, _ = await walk(client, ISSUES)
    closed, _ = await walk(client, f"{ISSUES}?state=closed&per_page=50")
    assert opened
    assert closed
    assert sorted(opened + closed) == list(range(1, 251))


async def test_link_header_is_formatted_as_github_does(client: Client) -> None:
    """prev, next, last, first in GitHub's order, other parameters kept as sent."""
    base = f"{origin(client)}{ISSUES}?per_page=30&state=all&page="
    response = await client.get(f"{ISSUES}?per_page=30&state=all", headers=AUTH)
    assert response.headers["Link"] == f'<{base}2>; rel="next", <{base}9>; rel="last"'
    response = await client.get(f"{ISSUES}?per_page=30&page=3&state=all", headers=AUTH)
    base = f"{origin(client)}{ISSUES}?per_page=30&state=all&page="
    assert response.headers["Link"] == (
        f'<{base}2>; rel="prev", <{base}4>; rel="next", <{base}9>; rel="last", '
        f'<{base}1>; rel="first"'
    )
    response = await client.get(f"{ISSUES}?per_page=30&state=all&page=9", headers=AUTH)
    assert set(links(response.headers["Link"])) == {"prev", "first"}
    response = await client.get(f"{ISSUES}?state=all", headers=AUTH)
    assert links(response.headers["Link"])["next"] == f"{origin(client)}{ISSUES}?state=all&page=2"


async def test_no_link_when_one_page_holds_everything(make_client: MakeClient) -> None:
    client = await make_client(StandinState.create(github_issues=40))
    response = await client.get(f"{ISSUES}?state=all&per_page=100", headers=AUTH)
    assert len(orjson.loads(await response.read())) == 40
    assert "Link" not in response.headers


async def test_per_page_defaults_to_30_and_is_capped_at_100(client: Client) -> None:
    for query, size in [("", 30), ("&per_page=100", 100), ("&per_page=500", 100)]:
        records, _ = await get_issues(client, f"{ISSUES}?state=all{query}")
        assert len(records) == size
    for junk in ("0", "-5", "abc"):
        records, _ = await get_issues(client, f"{ISSUES}?state=all&per_page={junk}")
        assert len(records) == 30
    records, rels = await get_issues(client, f"{ISSUES}?state=all&per_page=500&page=3")
    assert [r["number"] for r in records] == list(range(50, 0, -1))
    assert "next" not in rels


async def test_sort_and_direction_order_stably(client: Client) -> None:
    """created desc by default (newest number first); updated asc by updated_at, then number."""
    records, _ = await get_issues(client, f"{ISSUES}?state=all&per_page=100")
    numbers = [r["number"] for r in records]
    assert numbers == list(range(250, 150, -1))
    path = f"{ISSUES}?state=all&sort=updated&direction=asc&per_page=100"
    first, _ = await get_issues(client, path)
    again, _ = await get_issues(client, path)
    assert first == again
    keys = [(r["updated_at"], r["number"]) for r in first]
    assert keys == sorted(keys)


@pytest.mark.parametrize(
    ("name", "value"), [("state", "merged"), ("sort", "title"), ("direction", "up")]
)
async def test_a_bad_choice_is_a_validation_failure(client: Client, name: str, value: str) -> None:
    response = await client.get(f"{ISSUES}?{name}={value}", headers=AUTH)
    assert response.status == 422
    body = await response.json()
    assert body["message"] == "Validation Failed"
    assert body["errors"] == [
        {"resource": "Issue", "code": "invalid", "field": name, "value": value}
    ]


# --- headers ------------------------------------------------------------------------------


async def test_answers_carry_githubs_headers(client: Client) -> None:
    first = await client.get(ISSUES, headers=AUTH)
    second = await client.get(ISSUES, headers=AUTH)
    assert first.headers["Content-Type"] == "application/json; charset=utf-8"
    assert re.fullmatch(r'W/"[0-9a-f]{64}"', first.headers["ETag"])
    for response, used in [(first, 1), (second, 2)]:
        assert response.headers["X-RateLimit-Limit"] == "5000"
        assert response.headers["X-RateLimit-Used"] == str(used)
        assert response.headers["X-RateLimit-Remaining"] == str(5000 - used)
        assert int(response.headers["X-RateLimit-Reset"]) > 0


async def test_a_matching_if_none_match_gets_a_bodiless_304_not_counted(client: Client) -> None:
    """As GitHub: a 304 does not count against the rate limit."""
    first = await client.get(ISSUES, headers=AUTH)
    etag = first.headers["ETag"]
    again = await client.get(ISSUES, headers={**AUTH, "If-None-Match": etag})
    assert again.status == 304
    assert await again.read() == b""
    assert again.headers["ETag"] == etag
    assert again.headers["X-RateLimit-Used"] == "1"
    unauthorized = await client.get(ISSUES, headers={"If-None-Match": etag})
    assert unauthorized.status == 401
    other = await client.get(f"{ISSUES}?page=2", headers={**AUTH, "If-None-Match": etag})
    assert other.status == 200


async def test_a_list_pages_304_repeats_its_link_unless_switched_off(client: Client) -> None:
    """A 304 on a list page repeats the page's Link header; switched off, it has none."""
    page = f"{ISSUES}?state=all&per_page=50&page=2"
    first = await client.get(page, headers=AUTH)
    assert set(links(first.headers["Link"])) == {"prev", "next", "last", "first"}
    conditional = {**AUTH, "If-None-Match": first.headers["ETag"]}
    again = await client.get(page, headers=conditional)
    assert again.status == 304
    assert again.headers["Link"] == first.headers["Link"]
    await put_faults(client, github_304_without_link=True)
    bare = await client.get(page, headers=conditional)
    assert bare.status == 304
    assert "Link" not in bare.headers
    assert (await client.get(page, headers=AUTH)).headers["Link"] == first.headers["Link"]


async def test_one_issue_by_number_and_githubs_404(client: Client) -> None:
    response = await client.get(f"{ISSUES}/42", headers=AUTH)
    assert response.status == 200
    assert (await response.json())["number"] == 42
    missing = await client.get(f"{ISSUES}/4242", headers=AUTH)
    assert missing.status == 404
    assert (await missing.json())["message"] == "Not Found"
    assert (await client.get(f"{ISSUES}/42")).status == 401
