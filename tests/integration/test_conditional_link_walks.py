"""A Link-header walk sent conditionally: the stand-in's GitHub issues over real HTTP, the
validators in MariaDB. Each page keeps its answer and its next link; a 304 walks on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import aiomysql
import pytest
from aiohttp.test_utils import TestServer
from redis.asyncio import Redis

from harness.standin.app import create_app
from harness.standin.state import DEFAULT_GITHUB_TOKEN, StandinState
from shared.config import Settings
from shared.config.sources import SourceSettings
from shared.db.background import finish_background
from shared.models.commands import Command, PageCommand, marked_conditional
from shared.models.spec import SyncSpec
from shared.sources.declared import parse_definition
from shared.sources.declared.fetcher import DeclaredFetcher
from shared.sources.declared.planner import DeclaredPlanner
from shared.sources.registry import build_declared_fetcher
from tests.integration.list_answer_helpers import set_used, used_ago

ISSUES = 40  # two full pages of 20: an issue added later starts a third
KEY = "qk-4b7e1d9a"  # sent in the query and echoed in every Link: never stored

DEFINITION = f"""\
name: github
base_url: BASE
headers: {{Authorization: Bearer {DEFAULT_GITHUB_TOKEN}}}
auth: {{type: api_key, in: query, name: key, value: {KEY}}}
conditional: true
list:
  path: /repos/acme/widgets/issues
  params: {{state: all, per_page: 20, sort: created, direction: asc}}
  paginator: {{type: link_header, max_pages: 10}}
  records: $
  id: number
  name: title
"""


@dataclass
class Walk:
    """What one list walk fetched: each page's ids, and the stand-in's counts meanwhile."""

    pages: list[list[str]]
    requests: int
    not_modified: int

    @property
    def ids(self) -> list[str]:
        return [external_id for page in self.pages for external_id in page]


@pytest.fixture
async def standin() -> AsyncIterator[tuple[StandinState, str]]:
    """The stand-in app on a local port, serving ``ISSUES`` GitHub-shaped issues."""
    state = StandinState.create(github_issues=ISSUES)
    server = TestServer(create_app(state))
    await server.start_server()
    yield state, str(server.make_url("")).rstrip("/")
    await server.close()


@pytest.fixture
async def fetcher(
    standin: tuple[StandinState, str], pool: aiomysql.Pool, redis: Redis, settings: Settings
) -> AsyncIterator[DeclaredFetcher]:
    """The source's real fetcher, its validators in MariaDB."""
    _, base = standin
    definition = parse_definition(
        DEFINITION.replace("BASE", base), file=Path("github.yaml"), env={}
    )
    async with aiohttp.ClientSession() as session:
        yield build_declared_fetcher(definition, settings, session, redis, pool)


async def _walk(fetcher: DeclaredFetcher, state: StandinState, *, force_sync: bool = False) -> Walk:
    """Fetch a list job's pages one after another, as fetchers do with follow-ups."""
    state.stats.reset()
    planned = DeclaredPlanner(fetcher.definition).plan(SyncSpec(source="github"))
    queue: list[Command] = marked_conditional(planned, force_sync=force_sync)
    pages: list[list[str]] = []
    while queue:
        command = queue.pop(0)
        assert isinstance(command, PageCommand)
        page = await fetcher.fetch(command)
        if page.saving is not None:  # as the fetcher service waits once the page is out
            await page.saving
        assert not page.failed, page.failed
        pages.append([item.external_id for item in page.items])
        queue.extend(page.follow_ups)
    return Walk(pages, state.stats.requests, state.stats.not_modified)


async def _kept(pool: aiomysql.Pool) -> dict[str, Any]:
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT page_url, link, body FROM list_answers ORDER BY page_url")
        rows = await cur.fetchall()
        await conn.commit()
    return {row[0]: (row[1], row[2]) for row in rows}


def _numbers(count: int) -> list[str]:
    return [str(number) for number in range(1, count + 1)]


async def test_each_page_keeps_its_next_link_and_a_304_walks_on(
    fetcher: DeclaredFetcher, standin: tuple[StandinState, str], pool: aiomysql.Pool
) -> None:
    """Unchanged: every page is a bodiless 304 and yields the stored page's records."""
    state, base = standin
    first = await _walk(fetcher, state)
    assert first.ids == _numbers(ISSUES)
    assert (len(first.pages), first.requests, first.not_modified) == (2, 2, 0)
    kept = await _kept(pool)
    assert len(kept) == 2
    links = sorted(link for link, _ in kept.values() if link is not None)
    assert len(links) == 1  # the last page names no next page
    assert links[0].startswith(f"<{base}/repos/acme/widgets/issues?")
    assert links[0].endswith('page=2>; rel="next"')
    assert KEY not in str(kept)

    again = await _walk(fetcher, state)
    assert again.pages == first.pages
    assert (again.requests, again.not_modified) == (2, 2)

    forced = await _walk(fetcher, state, force_sync=True)  # sends no validators
    assert forced.pages == first.pages
    assert (forced.requests, forced.not_modified) == (2, 0)


async def test_a_304_without_a_link_walks_on_from_the_kept_one(
    fetcher: DeclaredFetcher, standin: tuple[StandinState, str]
) -> None:
    """A 304 that repeats no Link header: the stored next link leads on, and a stored
    answer that ended the walk is asked again in full, since the list may have grown."""
    state, _ = standin
    first = await _walk(fetcher, state)
    state.faults = state.faults.updated({"github_304_without_link": True})

    again = await _walk(fetcher, state)
    assert again.pages == first.pages
    # Page 1: 304, on to page 2 from its kept link; page 2: 304, then in full (200).
    assert (again.requests, again.not_modified) == (3, 2)

    # A new issue starts a third page; page 2's body, and so its ETag, is unchanged.
    state.github.add()
    grown = await _walk(fetcher, state)
    assert grown.ids == _numbers(ISSUES + 1)
    assert [len(page) for page in grown.pages] == [20, 20, 1]
    assert (grown.requests, grown.not_modified) == (4, 2)


async def test_a_304_with_its_own_link_follows_it(
    fetcher: DeclaredFetcher, standin: tuple[StandinState, str]
) -> None:
    """A 304 that repeats the Link header (the stand-in's do) is trusted: a grown list is
    walked to its new page without asking page 2 again."""
    state, _ = standin
    await _walk(fetcher, state)
    state.github.add()
    grown = await _walk(fetcher, state)
    assert grown.ids == _numbers(ISSUES + 1)
    assert (grown.requests, grown.not_modified) == (3, 2)


async def test_a_304_marks_a_long_unused_answer_used(
    fetcher: DeclaredFetcher, standin: tuple[StandinState, str], pool: aiomysql.Pool
) -> None:
    """A confirmed answer is marked used, so it is not dropped as unused; one marked within
    an eighth of the retention (7 days by default) is not written again."""
    state, _ = standin
    await _walk(fetcher, state)
    first, second = sorted((await _kept(pool)).keys())
    await set_used(pool, timedelta(days=2), first)
    await set_used(pool, timedelta(hours=1), second)
    again = await _walk(fetcher, state)
    assert again.not_modified == 2
    await finish_background(timeout_s=5)
    used = await used_ago(pool)
    assert used[first] < timedelta(minutes=1)
    assert timedelta(minutes=59) < used[second] < timedelta(minutes=61)


async def test_a_retention_just_past_the_sweep_interval_marks_each_use(
    standin: tuple[StandinState, str], pool: aiomysql.Pool, redis: Redis, settings: Settings
) -> None:
    """Retention 25 h, sweeps every 24 h: a use an hour after the last mark is written, or
    the answer could go unmarked through a whole sweep interval and be dropped."""
    state, base = standin
    close_to_sweeps = settings.model_copy(
        update={
            "source": SourceSettings(
                full_sweep_interval=timedelta(hours=24),
                list_answer_retention=timedelta(hours=25),
            )
        }
    )
    definition = parse_definition(
        DEFINITION.replace("BASE", base), file=Path("github.yaml"), env={}
    )
    async with aiohttp.ClientSession() as session:
        fetcher = build_declared_fetcher(definition, close_to_sweeps, session, redis, pool)
        await _walk(fetcher, state)
        await set_used(pool, timedelta(hours=1))
        assert (await _walk(fetcher, state)).not_modified == 2
    await finish_background(timeout_s=5)
    assert all(ago < timedelta(minutes=1) for ago in (await used_ago(pool)).values())
