"""A for_each source whose lists have pages: how the page ending each value's walk grows
the job's count, and how a re-drive rebuilds a walk it cannot see the end of."""

from __future__ import annotations

import uuid

from services.fetcher.handler import CommandFetcher
from shared.errors import PermanentUpstreamError
from shared.models.commands import Command, CommandMessage, PageCommand
from shared.models.envelope import Envelope
from shared.models.pages import PageMessage
from shared.models.spec import SyncSpec
from shared.sources.base import SourcePage
from shared.sources.declared.planner import DeclaredPlanner
from shared.values.clock import utc_now
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


async def test_a_sequential_walk_is_counted_by_the_page_that_ends_it(
    build_fetcher: FetcherFactory, upstream: FakeUpstream
) -> None:
    """A page that goes on counts nothing; the empty page ending the walk adds the walk's
    pages after its first (counted as the job opened): its number less one."""
    upstream.get(url("/repos/a/things", page=1), payload=[{"id": 1}, {"id": 2}])
    upstream.get(url("/repos/a/things", page=2), payload=[])
    fetcher = build_fetcher(definition(WALK))
    first = _plan(WALK)[0]

    page = await fetcher.fetch(first)
    assert [i.external_id for i in page.items] == ["1", "2"]
    assert (page.pages_total, page.pages_added, page.walk_ended) == (None, 0, False)
    assert len(page.follow_ups) == 1
    (follow,) = page.follow_ups
    assert isinstance(follow, PageCommand)
    assert (follow.for_each, follow.page) == ("a", 2)

    last = await fetcher.fetch(follow)
    assert (last.pages_total, last.pages_added, last.follow_ups) == (None, 1, [])
    assert last.walk_ended


async def test_a_fanned_out_walk_adds_its_other_pages_at_its_first_page(
    build_fetcher: FetcherFactory, upstream: FakeUpstream
) -> None:
    """The first page of a value learns its walk's size, counts the pages it fans out and
    ends its walk; a fanned page counts nothing and ends nothing."""
    upstream.get(
        url("/repos/b/things", offset=0, limit=2),
        payload={"count": 5, "results": [{"id": 1}, {"id": 2}]},
    )
    page = await build_fetcher(definition(FAN)).fetch(_plan(FAN)[1])
    assert (page.pages_total, page.pages_added, len(page.follow_ups)) == (None, 2, 2)
    assert page.walk_ended
    assert all(isinstance(c, PageCommand) and c.fanned for c in page.follow_ups)
    fanned = page.follow_ups[0]
    assert isinstance(fanned, PageCommand)
    upstream.get(
        url("/repos/b/things", offset=2, limit=2),
        payload={"count": 5, "results": [{"id": 3}, {"id": 4}]},
    )
    other = await build_fetcher(definition(FAN)).fetch(fanned)
    assert (other.pages_added, other.walk_ended, other.follow_ups) == (0, False, [])


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


class _Refusing:
    """A source whose every command fails for good."""

    name = "things"

    async def fetch(self, command: Command) -> SourcePage:
        raise PermanentUpstreamError("gone")


async def test_a_page_that_fails_for_good_ends_its_walk_at_its_number() -> None:
    """The fetcher records a failed page; in a for_each walk that page ends the walk, its
    number telling the walk's size. A fanned page that fails ends nothing."""
    third = _plan(WALK)[0].model_copy(update={"page": 3, "fan_out": False})
    envelope = Envelope(job_id=uuid.uuid4(), source="things", trace_id="t", created_at=utc_now())
    fetcher = CommandFetcher(sources={"things": _Refusing()})
    for command, expected in [
        (third, (2, True)),
        (third.model_copy(update={"fanned": True}), (0, False)),
    ]:
        handled = await fetcher.fetch(CommandMessage(envelope=envelope, command=command))
        (message,) = [m for m in handled.outputs if isinstance(m, PageMessage)]
        assert (message.page.pages_added, message.page.walk_ended) == expected
        assert len(message.page.failed) == 1
