"""The declared fetcher's auth kinds: bearer, API key in query or header, rejected or blank."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from shared.errors import JobFailedError
from shared.models.commands import DetailCommand, PageCommand
from shared.models.spec import SyncSpec
from shared.sources.declared.planner import DeclaredPlanner
from shared.streams.names import breaker_key
from tests.unit.declared_fetcher_helpers import DETAILS, HEAD, first
from tests.unit.declared_helpers import BASE, FetcherFactory, definition, sent, url
from tests.unit.fake_upstream import FakeUpstream

LINKS = (
    HEAD
    + """
auth: {type: bearer, token: s3cret-token}
list:
  path: /issues
  params: {per_page: 2}
  paginator: {type: link_header}
  records: $
  id: number
  name: title
incremental: {cursor_field: updated_at, param: since}
"""
)


async def test_link_header_walk_with_bearer_token_and_incremental_cursor(
    build_fetcher: FetcherFactory, upstream: FakeUpstream, redis: Redis
) -> None:
    """Link rel=next is followed, the token goes in a header only, the largest cursor is told."""
    issues = [
        {"number": 7, "title": "seven", "updated_at": "2024-03-01T00:00:00Z"},
        {"number": 8, "title": "eight", "updated_at": "2024-05-01T00:00:00Z"},
    ]
    nxt = f'<{BASE}/issues?per_page=2&page=2>; rel="next", <{BASE}/issues?page=9>; rel="last"'
    since = "2024-01-01T00:00:00Z"
    upstream.get(url("/issues", per_page=2, since=since), payload=issues, headers={"Link": nxt})
    source = definition(LINKS)
    (command,) = DeclaredPlanner(source).plan(SyncSpec(source="things"), since=since)
    assert isinstance(command, PageCommand)
    assert command.incremental

    page = await build_fetcher(source).fetch(command)

    assert [(i.external_id, i.name) for i in page.items] == [("7", "seven"), ("8", "eight")]
    assert page.cursor == "2024-05-01T00:00:00Z"
    assert page.incremental
    (second,) = page.follow_ups
    assert isinstance(second, PageCommand)
    assert (second.url, second.params, second.incremental) == (
        f"{BASE}/issues?per_page=2&page=2",
        {},
        True,
    )
    (request,) = sent(upstream, url("/issues", per_page=2, since=since))
    assert request["headers"] == {"Authorization": "Bearer s3cret-token"}
    assert "s3cret-token" not in second.model_dump_json()


async def test_rejected_token_fails_the_job_naming_source_and_status_and_spares_the_breaker(
    build_fetcher: FetcherFactory, upstream: FakeUpstream, redis: Redis
) -> None:
    """A 401 is job_failed by default: one request, a clear message, no breaker failure."""
    upstream.get(url("/issues", per_page=2), status=401, payload={"message": "Bad credentials"})
    with pytest.raises(JobFailedError) as caught:
        await build_fetcher(definition(LINKS)).fetch(first(LINKS))
    assert str(caught.value) == "things rejected the token (HTTP 401)"
    assert len(sent(upstream, url("/issues", per_page=2))) == 1
    assert await redis.hgetall(breaker_key("things")) == {}


WEATHER = (
    HEAD
    + """
auth: {type: api_key, in: query, name: appid, value: k3y-value}
list:
  for_each: {values: "London, Atlantis", as: city}
  path: /weather
  params: {q: "{city}"}
  paginator: {type: single}
  records: $
  id: id
  name: name
errors: {404: item_failed, 401: job_failed}
"""
)


async def test_for_each_with_api_key_in_query_a_404_fails_that_value_only(
    build_fetcher: FetcherFactory, upstream: FakeUpstream, redis: Redis
) -> None:
    """One command per value; the key is set in the query; a 404 is a failed item named by value."""
    london = b'{"id": 2643743, "name": "London", "main": {"temp": 280.1}}'
    upstream.get(url("/weather", q="London", appid="k3y-value"), body=london)
    upstream.get(url("/weather", q="Atlantis", appid="k3y-value"), status=404, payload={})
    source = definition(WEATHER)
    commands = DeclaredPlanner(source).plan(SyncSpec(source="things"))
    assert [(c.page_key, c.fan_out) for c in commands if isinstance(c, PageCommand)] == [
        ("page:London:1", False),
        ("page:Atlantis:1", False),
    ]
    assert all("k3y-value" not in c.model_dump_json() for c in commands)
    fetcher = build_fetcher(source)

    found, missing = [await fetcher.fetch(c) for c in commands]

    assert [(i.external_id, i.name, i.payload) for i in found.items] == [
        ("2643743", "London", london.decode())
    ]
    assert found.pages_total is None
    assert found.follow_ups == []
    assert [(f.external_id, f.error) for f in missing.failed] == [
        ("Atlantis", "things list 'Atlantis': HTTP 404")
    ]
    assert await redis.hgetall(breaker_key("things")) == {}


async def test_blank_secret_fails_the_job_before_any_request(
    build_fetcher: FetcherFactory, upstream: FakeUpstream
) -> None:
    """An empty auth value fails each job, naming what is missing; nothing is sent."""
    source = definition(WEATHER.replace("k3y-value", "${KEY:-}"))
    with pytest.raises(JobFailedError, match="things has no API key"):
        await build_fetcher(source).fetch(
            DeclaredPlanner(source).plan(SyncSpec(source="things"))[0]
        )
    assert upstream.requests == {}


async def test_api_key_in_a_header_is_set_once(
    build_fetcher: FetcherFactory, upstream: FakeUpstream
) -> None:
    """An api_key in a header replaces a definition header of the same name."""
    text = DETAILS.replace(
        "auth: {type: basic, username: annie, password: pass-word}",
        "auth: {type: api_key, in: header, name: X-Key, value: header-key}",
    ).replace("{Accept: application/json}", "{x-key: public}")
    upstream.get(url("/things/1/"), body=b'{"name": "one"}')
    page = await build_fetcher(definition(text)).fetch(DetailCommand(external_id="1"))
    assert [(i.external_id, i.name) for i in page.items] == [("1", "one")]
    (request,) = sent(upstream, url("/things/1/"))
    assert request["headers"] == {"X-Key": "header-key"}
