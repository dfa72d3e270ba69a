"""The generic declared source: each paginator's walk, the errors table and the auth kinds."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from shared.errors import JobFailedError, TransientUpstreamError
from shared.models.commands import DetailCommand, PageCommand
from shared.models.spec import SyncSpec
from shared.sources.declared.planner import DeclaredPlanner
from shared.streams.names import breaker_key
from tests.unit.declared_helpers import BASE, FetcherFactory, definition, fetchers, sent, url
from tests.unit.fake_upstream import FakeUpstream

HEAD = f"name: things\nbase_url: {BASE}\n"


@pytest.fixture
async def build(redis: Redis) -> AsyncIterator[FetcherFactory]:
    """Builds a definition's real fetcher (breaker and retries on in-memory Redis)."""
    async with fetchers(redis) as factory:
        yield factory


def first(text: str) -> PageCommand:
    """The first command a list job of this definition starts with."""
    (command,) = DeclaredPlanner(definition(text)).plan(SyncSpec(source="things"))
    assert isinstance(command, PageCommand)
    return command


OFFSET_TOTAL = (
    HEAD
    + """
list:
  path: /things
  paginator: {type: offset, limit: 2, total: count}
  records: results
  id: {path: url, pattern: '/things/(\\d+)/$'}
  name: name
"""
)


def things(*ids: int) -> list[dict[str, object]]:
    """List records naming their URL, as PokeAPI's do."""
    return [{"url": f"{BASE}/things/{i}/", "name": f"thing {i}"} for i in ids]


async def test_offset_with_a_total_fans_out_every_other_page_at_once(
    build: FetcherFactory, upstream: FakeUpstream
) -> None:
    """The first page learns the total: the remaining pages come back as follow-ups."""
    upstream.get(url("/things", offset=0, limit=2), payload={"count": 5, "results": things(1, 2)})
    fetcher = build(definition(OFFSET_TOTAL))

    page = await fetcher.fetch(first(OFFSET_TOTAL))

    assert [(i.external_id, i.name) for i in page.items] == [("1", "thing 1"), ("2", "thing 2")]
    assert json.loads(page.items[0].payload) == things(1)[0]
    assert page.pages_total == 3
    assert page.total == 5
    follow = [c for c in page.follow_ups if isinstance(c, PageCommand)]
    assert [(c.params["offset"], c.page, c.fanned, c.page_key) for c in follow] == [
        ("2", 2, True, "page:2"),
        ("4", 3, True, "page:3"),
    ]


async def test_a_fanned_out_page_leads_nowhere(
    build: FetcherFactory, upstream: FakeUpstream
) -> None:
    """A page the first one fanned out emits nothing and leaves the job's size alone."""
    upstream.get(url("/things", offset=4, limit=2), payload={"count": 5, "results": things(5)})
    command = first(OFFSET_TOTAL).model_copy(
        update={"params": {"offset": "4", "limit": "2"}, "page": 3, "fanned": True}
    )
    page = await build(definition(OFFSET_TOTAL)).fetch(command)
    assert [i.external_id for i in page.items] == ["5"]
    assert page.follow_ups == []
    assert page.pages_total is None


OFFSET_WALK = (
    HEAD
    + """
list:
  path: /things
  paginator: {type: offset, limit: 2}
  records: $
  id: id
"""
)


async def test_offset_without_a_total_walks_until_a_short_page(
    build: FetcherFactory, upstream: FakeUpstream
) -> None:
    """Each page emits the next one; a page with fewer records than the limit ends the walk."""
    upstream.get(url("/things", offset=0, limit=2), payload=[{"id": 1}, {"id": 2}])
    upstream.get(url("/things", offset=2, limit=2), payload=[{"id": 3}])
    fetcher = build(definition(OFFSET_WALK))

    one = await fetcher.fetch(first(OFFSET_WALK))
    assert one.pages_total is None
    (second,) = one.follow_ups
    assert isinstance(second, PageCommand)
    assert (second.params, second.page, second.fanned) == ({"offset": "2", "limit": "2"}, 2, False)
    two = await fetcher.fetch(second)
    assert [i.external_id for i in two.items] == ["3"]
    assert two.follow_ups == []
    assert two.pages_total == 2


PAGE_NUMBER = (
    HEAD
    + """
list:
  path: /things
  paginator: {type: page_number, size: 2, size_param: per_page, max_pages: 2}
  records: items
  id: id
"""
)


async def test_page_number_walks_to_an_empty_page_and_max_pages_fails_the_job(
    build: FetcherFactory, upstream: FakeUpstream
) -> None:
    """page=1, page=2 ...; a walk that reaches max_pages and goes on fails the job."""
    upstream.get(url("/things", page=1, per_page=2), payload={"items": [{"id": "a"}]})
    upstream.get(url("/things", page=2, per_page=2), payload={"items": [{"id": "b"}]})
    fetcher = build(definition(PAGE_NUMBER))

    (second,) = (await fetcher.fetch(first(PAGE_NUMBER))).follow_ups
    assert isinstance(second, PageCommand)
    with pytest.raises(JobFailedError, match="max_pages=2"):
        await fetcher.fetch(second)


CURSOR = (
    HEAD
    + """
list:
  path: /things
  paginator: {type: cursor, cursor_path: meta.next, cursor_param: after}
  records: data
  id: id
"""
)


async def test_cursor_walk_sends_the_cursor_and_a_repeated_one_fails_the_job(
    build: FetcherFactory, upstream: FakeUpstream
) -> None:
    """The next page asks with the answered cursor; a page answering it again fails the job."""
    upstream.get(url("/things"), payload={"data": [{"id": 1}], "meta": {"next": "c1"}})
    upstream.get(url("/things", after="c1"), payload={"data": [{"id": 2}], "meta": {"next": "c1"}})
    fetcher = build(definition(CURSOR))

    (second,) = (await fetcher.fetch(first(CURSOR))).follow_ups
    assert isinstance(second, PageCommand)
    assert (second.cursor, second.params, second.page_key) == ("c1", {"after": "c1"}, "page:2")
    with pytest.raises(JobFailedError, match="cursor it was asked with"):
        await fetcher.fetch(second)


NEXT_URL = (
    HEAD
    + """
list:
  path: /things
  paginator: {type: next_url, next_path: next}
  records: results
  id: id
"""
)


async def test_next_url_walk_never_leaves_base_urls_host(
    build: FetcherFactory, upstream: FakeUpstream
) -> None:
    """A next URL on base_url's host is followed; one elsewhere fails the job, unrequested."""
    upstream.get(url("/things"), payload={"results": [{"id": 1}], "next": f"{BASE}/things?p=2"})
    upstream.get(url("/things", p=2), payload={"results": [{"id": 2}], "next": "http://evil.test/"})
    fetcher = build(definition(NEXT_URL))

    (second,) = (await fetcher.fetch(first(NEXT_URL))).follow_ups
    assert isinstance(second, PageCommand)
    assert second.url == f"{BASE}/things?p=2"
    with pytest.raises(JobFailedError, match=r"evil\.test"):
        await fetcher.fetch(second)


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
    build: FetcherFactory, upstream: FakeUpstream, redis: Redis
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

    page = await build(source).fetch(command)

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
    build: FetcherFactory, upstream: FakeUpstream, redis: Redis
) -> None:
    """A 401 is job_failed by default: one request, a clear message, no breaker failure."""
    upstream.get(url("/issues", per_page=2), status=401, payload={"message": "Bad credentials"})
    with pytest.raises(JobFailedError) as caught:
        await build(definition(LINKS)).fetch(first(LINKS))
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
    build: FetcherFactory, upstream: FakeUpstream, redis: Redis
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
    fetcher = build(source)

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
    build: FetcherFactory, upstream: FakeUpstream
) -> None:
    """An empty auth value fails each job, naming what is missing; nothing is sent."""
    source = definition(WEATHER.replace("k3y-value", "${KEY:-}"))
    with pytest.raises(JobFailedError, match="things has no API key"):
        await build(source).fetch(DeclaredPlanner(source).plan(SyncSpec(source="things"))[0])
    assert upstream.requests == {}


DETAILS = (
    HEAD
    + """
auth: {type: basic, username: annie, password: pass-word}
headers: {Accept: application/json}
concurrency: 2
list:
  path: /things
  paginator: {type: single}
  records: results
  id: {path: url, pattern: '/things/(\\d+)/$'}
  name: name
detail:
  path: /things/{id}/
errors: {404: ignore, 410: item_failed, 500: job_failed, 418: retry}
"""
)


async def test_details_follow_the_errors_table(
    build: FetcherFactory, upstream: FakeUpstream
) -> None:
    """Details are the payload; 404 ignored, 410 failed, 418 retried; basic auth is sent."""
    upstream.get(url("/things"), payload={"results": things(1, 2, 3, 4)})
    upstream.get(url("/things/1/"), body=b'{"name": "one", "n": 1}', repeat=True)
    upstream.get(url("/things/2/"), status=404, repeat=True)
    upstream.get(url("/things/3/"), status=410, repeat=True)
    upstream.get(url("/things/4/"), status=418, repeat=True)
    source = definition(DETAILS)
    fetcher = build(source)

    with pytest.raises(TransientUpstreamError, match="HTTP 418"):
        await fetcher.fetch(first(DETAILS))
    assert len(sent(upstream, url("/things/4/"))) == 3  # the test policy's attempts

    upstream.get(url("/things"), payload={"results": things(1, 2, 3)})
    page = await fetcher.fetch(first(DETAILS))
    assert [(i.external_id, i.name, i.payload) for i in page.items] == [
        ("1", "one", '{"name": "one", "n": 1}')  # the detail's own name wins
    ]
    assert [(f.external_id, f.error) for f in page.failed] == [("3", "things detail 3: HTTP 410")]
    (request, *_) = sent(upstream, url("/things/1/"))
    encoded = base64.b64encode(b"annie:pass-word").decode()
    assert request["headers"] == {"Accept": "application/json", "Authorization": f"Basic {encoded}"}


async def test_a_job_failed_status_on_a_detail_fails_the_job(
    build: FetcherFactory, upstream: FakeUpstream
) -> None:
    """A status the table makes job_failed fails the whole job, naming source and status."""
    upstream.get(url("/things/9/"), status=500)
    with pytest.raises(JobFailedError) as caught:
        await build(definition(DETAILS)).fetch(DetailCommand(external_id="9"))
    assert str(caught.value) == "things answered HTTP 500, which its errors table makes job_failed"


async def test_api_key_in_a_header_is_set_once(
    build: FetcherFactory, upstream: FakeUpstream
) -> None:
    """An api_key in a header replaces a definition header of the same name."""
    text = DETAILS.replace(
        "auth: {type: basic, username: annie, password: pass-word}",
        "auth: {type: api_key, in: header, name: X-Key, value: header-key}",
    ).replace("{Accept: application/json}", "{x-key: public}")
    upstream.get(url("/things/1/"), body=b'{"name": "one"}')
    page = await build(definition(text)).fetch(DetailCommand(external_id="1"))
    assert [(i.external_id, i.name) for i in page.items] == [("1", "one")]
    (request,) = sent(upstream, url("/things/1/"))
    assert request["headers"] == {"X-Key": "header-key"}
