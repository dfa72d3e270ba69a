"""A job of page-by-page walks, one per for_each value. It ends once every walk ended and
every page counted landed, whatever order two writers commit the pages in. A re-drive:
a lost next page is known to no one, so each walk starts again at its first page and the
ledger absorbs the pages already written."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import aiomysql
from redis.asyncio import Redis

from services.writer.upsert import BatchResult, apply_batch
from shared.models.commands import PageCommand
from shared.models.jobs import JobStatus, SyncJobRow
from shared.models.pages import PageMessage
from shared.models.spec import SyncSpec
from shared.recovery import Redriver
from shared.sources.declared.loader import parse_definition
from shared.sources.declared.planner import DeclaredPlanner
from shared.streams import names
from shared.streams.codec import decode_command
from tests.integration.jobs_helpers import earlier, item, new_job, page, reload

WALKS = """\
name: pokemon
base_url: https://upstream.test
list:
  path: /repos/{repo}/things
  for_each: {values: "a,b", as: repo}
  paginator: {type: page_number, page_param: page, start: 1}
  records: $
  id: id
"""


def _planner() -> DeclaredPlanner:
    return DeclaredPlanner(parse_definition(WALKS, file=Path("pokemon.yaml"), env={}))


def _key(value: str, number: int) -> str:
    first = next(c for c in _planner().plan(SyncSpec.full_list("pokemon")) if c.for_each == value)
    assert isinstance(first, PageCommand)
    return first.model_copy(update={"page": number, "fan_out": number == 1}).page_key


def _walk_page(job: SyncJobRow, value: str, number: int, *, last: bool = False) -> PageMessage:
    """Page ``number`` of ``value``'s walk; the ``last`` one adds the walk's other pages."""
    message = page(job, _key(value, number), [item(100 * ord(value) + number)])
    ending = {"pages_added": number - 1, "walk_ended": True} if last else {}
    return message.model_copy(update={"page": message.page.model_copy(update=ending)})


async def _walks_job(pool: aiomysql.Pool, values: int = 2, *, age_s: int = 0) -> SyncJobRow:
    """A list job of ``values`` walks (their first pages counted), opened ``age_s`` ago."""
    job = await new_job(pool)
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "UPDATE sync_jobs SET started_at = %s, pages_total = %s, walks = %s WHERE id = %s",
            (earlier(age_s).replace(tzinfo=None), values, values, str(job.id)),
        )
        await conn.commit()
    return job


async def _stalled_job(pool: aiomysql.Pool) -> SyncJobRow:
    """A list job of both walks, opened two minutes ago."""
    return await _walks_job(pool, age_s=120)


async def _apply(pool: aiomysql.Pool, *messages: PageMessage) -> BatchResult:
    async with pool.acquire() as conn:
        return await apply_batch(conn, list(messages), max_statement_bytes=1 << 22)


async def _state(pool: aiomysql.Pool, job: SyncJobRow) -> tuple[str, int, int | None, int]:
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT status, pages_done, pages_total, walks_ended FROM sync_jobs WHERE id = %s",
            (str(job.id),),
        )
        status, done, total, ended = await cur.fetchone()
        await conn.commit()  # end the read: the pooled connection sees later commits
    return status, done, total, ended


async def test_a_next_page_landing_before_the_page_that_emitted_it_leaves_the_job_open(
    pool: aiomysql.Pool,
) -> None:
    """One value: page 2 (the last) commits before page 1, whose writer was slower. The
    walk has ended but page 1 has not landed: the job stays open until it does."""
    job = await _walks_job(pool, 1)
    await _apply(pool, _walk_page(job, "a", 2, last=True))
    assert await _state(pool, job) == ("running", 1, 2, 1)
    landed = await _apply(pool, _walk_page(job, "a", 1))
    assert landed.finished_jobs == {job.id: JobStatus.SUCCEEDED}
    assert await _state(pool, job) == ("succeeded", 2, 2, 1)


async def test_a_walk_ended_with_a_middle_page_unwritten_leaves_the_job_open(
    pool: aiomysql.Pool,
) -> None:
    """Pages 1 and 3 of a three-page walk landed, page 2's writer was the slowest: pages
    done equals pages counted so far, but the walk's end counted page 2 too."""
    job = await _walks_job(pool, 1)
    await _apply(pool, _walk_page(job, "a", 1))
    await _apply(pool, _walk_page(job, "a", 3, last=True))
    assert await _state(pool, job) == ("running", 2, 3, 1)
    landed = await _apply(pool, _walk_page(job, "a", 2))
    assert landed.finished_jobs == {job.id: JobStatus.SUCCEEDED}
    assert await _state(pool, job) == ("succeeded", 3, 3, 1)


async def test_the_job_waits_for_every_walk_to_end(pool: aiomysql.Pool) -> None:
    """Walk b ended at its first page and a's first two pages landed: as many pages done
    as counted, yet a's walk goes on, so the job is open until a's last page lands; a
    page landing twice then counts nothing and the job stays closed once."""
    job = await _walks_job(pool)
    await _apply(pool, _walk_page(job, "b", 1, last=True), _walk_page(job, "a", 1))
    await _apply(pool, _walk_page(job, "a", 2))
    assert await _state(pool, job) == ("running", 3, 2, 1)
    landed = await _apply(pool, _walk_page(job, "a", 3, last=True))
    assert landed.finished_jobs == {job.id: JobStatus.SUCCEEDED}
    assert await _state(pool, job) == ("succeeded", 4, 4, 2)
    again = await _apply(pool, _walk_page(job, "a", 3, last=True), _walk_page(job, "b", 1))
    assert (again.duplicate_pages, again.finished_jobs) == (2, {})
    assert await _state(pool, job) == ("succeeded", 4, 4, 2)


async def test_a_sequential_walk_whose_next_page_was_lost_starts_again_and_closes(
    pool: aiomysql.Pool, redis: Redis
) -> None:
    """Walk a wrote pages 1 and 2 and lost page 3; walk b ended at page 1. The re-drive
    emits both first pages; the re-walk lands as duplicates up to page 3, which closes
    the job with every page and item counted once."""
    job = await _stalled_job(pool)
    await _apply(pool, _walk_page(job, "a", 1), _walk_page(job, "a", 2))
    await _apply(pool, _walk_page(job, "b", 1, last=True))
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "UPDATE sync_job_pages SET written_at = %s WHERE job_id = %s",
            (earlier(120).replace(tzinfo=None), str(job.id)),
        )
        await conn.commit()
    stalled = await reload(pool, job)
    assert (stalled.status, stalled.pages_done, stalled.pages_total) == ("running", 3, 2)

    redriver = Redriver(
        redis=redis, pool=pool, planners={"pokemon": _planner()}, quiet=timedelta(seconds=30)
    )
    assert await redriver.sweep() == [job.id]
    entries: Any = await redis.xrange(names.COMMANDS)
    queued = [decode_command(fields).command for _, fields in entries]
    assert [(c.for_each, c.page) for c in queued if isinstance(c, PageCommand)] == [
        ("a", 1),
        ("b", 1),
    ]

    # The fetcher walks again: pages 1 and 2 of a and page 1 of b are in the ledger.
    again = await _apply(
        pool, _walk_page(job, "a", 1), _walk_page(job, "b", 1, last=True), _walk_page(job, "a", 2)
    )
    assert again.duplicate_pages == 3
    assert await _state(pool, job) == ("running", 3, 2, 1)
    landed = await _apply(pool, _walk_page(job, "a", 3, last=True))
    assert landed.finished_jobs == {job.id: JobStatus.SUCCEEDED}
    done = await reload(pool, job)
    assert (done.status, done.pages_done, done.pages_total) == ("succeeded", 4, 4)
    assert (done.items_seen, done.items_created) == (4, 4)
