"""A for_each source whose lists have pages: how each value's walk grows the job's count,
and how a re-drive rebuilds a walk it cannot see the end of."""

from __future__ import annotations

from shared.models.commands import PageCommand
from shared.models.spec import SyncSpec
from shared.sources.declared.planner import DeclaredPlanner
from tests.unit.declared_fetcher_helpers import HEAD
from tests.unit.declared_helpers import FetcherFactory, definition, url
from tests.unit.fake_upstream import FakeUpstream

WALK = (
    HEAD
    + """
list:
  path: /repos/{repo}/things
  for_each: {values: "a,b", as: repo}
  paginator: {type: page_number, page_param: page, start: 1}
  records: $
  id: id
"""
)
FAN = (
    HEAD
    + """
list:
  path: /repos/{repo}/things
  for_each: {values: "a,b", as: repo}
  paginator: {type: offset, limit: 2, total: count}
  records: results
  id: id
"""
)


def _plan(text: str) -> list[PageCommand]:
    commands = DeclaredPlanner(definition(text)).plan(SyncSpec(source="things"))
    assert all(isinstance(c, PageCommand) for c in commands)
    return [c for c in commands if isinstance(c, PageCommand)]


def test_each_value_starts_a_walk_of_its_own() -> None:
    """One first page per value, each a walk that may go on."""
    commands = _plan(WALK)
    assert [(c.for_each, c.page, c.fan_out) for c in commands] == [("a", 1, True), ("b", 1, True)]


async def test_a_sequential_walk_adds_its_next_page_until_it_stops(
    build_fetcher: FetcherFactory, upstream: FakeUpstream
) -> None:
    """Each page counts the page it emits; the empty page ending the walk adds none."""
    upstream.get(url("/repos/a/things", page=1), payload=[{"id": 1}, {"id": 2}])
    upstream.get(url("/repos/a/things", page=2), payload=[])
    fetcher = build_fetcher(definition(WALK))
    first = _plan(WALK)[0]

    page = await fetcher.fetch(first)
    assert [i.external_id for i in page.items] == ["1", "2"]
    assert (page.pages_total, page.pages_added, len(page.follow_ups)) == (None, 1, 1)
    (follow,) = page.follow_ups
    assert isinstance(follow, PageCommand)
    assert (follow.for_each, follow.page) == ("a", 2)

    last = await fetcher.fetch(follow)
    assert (last.pages_total, last.pages_added, last.follow_ups) == (None, 0, [])


async def test_a_fanned_out_walk_adds_its_other_pages_at_its_first_page(
    build_fetcher: FetcherFactory, upstream: FakeUpstream
) -> None:
    """The first page of a value learns its walk's size and counts the pages it fans out."""
    upstream.get(
        url("/repos/b/things", offset=0, limit=2),
        payload={"count": 5, "results": [{"id": 1}, {"id": 2}]},
    )
    page = await build_fetcher(definition(FAN)).fetch(_plan(FAN)[1])
    assert (page.pages_total, page.pages_added, len(page.follow_ups)) == (None, 2, 2)
    assert all(isinstance(c, PageCommand) and c.fanned for c in page.follow_ups)


def test_a_redrive_walks_a_for_each_or_sequential_walk_again_from_its_first_page() -> None:
    """Its next page is known only to the one before: the first page is answered again."""
    for text in (WALK, FAN):
        planner = DeclaredPlanner(definition(text))
        for command in _plan(text):
            assert planner.fanned_out(command, 7) == [command]
            assert planner.fanned_out(command, None) == [command]
    single = DeclaredPlanner(
        definition(HEAD + "list: {path: /things, paginator: {type: single}, records: $, id: id}\n")
    )
    (command,) = single.plan(SyncSpec(source="things"))
    assert single.fanned_out(command, 1) == []
