"""The declared fetcher walking each paginator over HTTP: fan-outs, walks, and their limits."""

from __future__ import annotations

import json

import pytest

from shared.errors import JobFailedError
from shared.models.commands import PageCommand
from tests.unit.declared_fetcher_helpers import HEAD, first, things
from tests.unit.declared_helpers import BASE, FetcherFactory, definition, url
from tests.unit.fake_upstream import FakeUpstream

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


async def test_offset_with_a_total_fans_out_every_other_page_at_once(
    build_fetcher: FetcherFactory, upstream: FakeUpstream
) -> None:
    """The first page learns the total: the remaining pages come back as follow-ups."""
    upstream.get(url("/things", offset=0, limit=2), payload={"count": 5, "results": things(1, 2)})
    fetcher = build_fetcher(definition(OFFSET_TOTAL))

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
    build_fetcher: FetcherFactory, upstream: FakeUpstream
) -> None:
    """A page the first one fanned out emits nothing and leaves the job's size alone."""
    upstream.get(url("/things", offset=4, limit=2), payload={"count": 5, "results": things(5)})
    command = first(OFFSET_TOTAL).model_copy(
        update={"params": {"offset": "4", "limit": "2"}, "page": 3, "fanned": True}
    )
    page = await build_fetcher(definition(OFFSET_TOTAL)).fetch(command)
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
    build_fetcher: FetcherFactory, upstream: FakeUpstream
) -> None:
    """Each page emits the next one; a page with fewer records than the limit ends the walk."""
    upstream.get(url("/things", offset=0, limit=2), payload=[{"id": 1}, {"id": 2}])
    upstream.get(url("/things", offset=2, limit=2), payload=[{"id": 3}])
    fetcher = build_fetcher(definition(OFFSET_WALK))

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
    build_fetcher: FetcherFactory, upstream: FakeUpstream
) -> None:
    """page=1, page=2 ...; a walk that reaches max_pages and goes on fails the job."""
    upstream.get(url("/things", page=1, per_page=2), payload={"items": [{"id": "a"}]})
    upstream.get(url("/things", page=2, per_page=2), payload={"items": [{"id": "b"}]})
    fetcher = build_fetcher(definition(PAGE_NUMBER))

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
    build_fetcher: FetcherFactory, upstream: FakeUpstream
) -> None:
    """The next page asks with the answered cursor; a page answering it again fails the job."""
    upstream.get(url("/things"), payload={"data": [{"id": 1}], "meta": {"next": "c1"}})
    upstream.get(url("/things", after="c1"), payload={"data": [{"id": 2}], "meta": {"next": "c1"}})
    fetcher = build_fetcher(definition(CURSOR))

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
    build_fetcher: FetcherFactory, upstream: FakeUpstream
) -> None:
    """A next URL on base_url's host is followed; one elsewhere fails the job, unrequested."""
    upstream.get(url("/things"), payload={"results": [{"id": 1}], "next": f"{BASE}/things?p=2"})
    upstream.get(url("/things", p=2), payload={"results": [{"id": 2}], "next": "http://evil.test/"})
    fetcher = build_fetcher(definition(NEXT_URL))

    (second,) = (await fetcher.fetch(first(NEXT_URL))).follow_ups
    assert isinstance(second, PageCommand)
    assert second.url == f"{BASE}/things?p=2"
    with pytest.raises(JobFailedError, match=r"evil\.test"):
        await fetcher.fetch(second)
