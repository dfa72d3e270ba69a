"""Re-driving a job of page-by-page walks, one per for_each value: a lost next page is
known to no one, so each walk starts again at its first page and the ledger absorbs the
pages already written."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import aiomysql
from redis.asyncio import Redis

from services.writer.upsert import apply_batch
from shared.models.commands import PageCommand
from shared.models.jobs import SyncJobRow
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


def _walk_page(job: SyncJobRow, value: str, number: int, added: int) -> PageMessage:
    message = page(job, _key(value, number), [item(100 * ord(value) + number)])
    return message.model_copy(
        update={"page": message.page.model_copy(update={"pages_added": added})}
    )


async def _stalled_job(pool: aiomysql.Pool) -> SyncJobRow:
    """A list job of both walks (two first pages counted), opened two minutes ago."""
    job = await new_job(pool)
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "UPDATE sync_jobs SET started_at = %s, pages_total = 2 WHERE id = %s",
            (earlier(120).replace(tzinfo=None), str(job.id)),
        )
        await conn.commit()
    return job


async def _apply(pool: aiomysql.Pool, *messages: PageMessage) -> None:
    async with pool.acquire() as conn:
        await apply_batch(conn, list(messages), max_statement_bytes=1 << 22)


async def test_a_sequential_walk_whose_next_page_was_lost_starts_again_and_closes(
    pool: aiomysql.Pool, redis: Redis
) -> None:
    """Walk a wrote pages 1 and 2 and lost page 3; walk b ended at page 1. The re-drive
    emits both first pages; the re-walk lands as duplicates up to page 3, which closes
    the job with every page and item counted once."""
    job = await _stalled_job(pool)
    await _apply(pool, _walk_page(job, "a", 1, 1), _walk_page(job, "a", 2, 1))
    await _apply(pool, _walk_page(job, "b", 1, 0))
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "UPDATE sync_job_pages SET written_at = %s WHERE job_id = %s",
            (earlier(120).replace(tzinfo=None), str(job.id)),
        )
        await conn.commit()
    stalled = await reload(pool, job)
    assert (stalled.status, stalled.pages_done, stalled.pages_total) == ("running", 3, 4)

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
    await _apply(
        pool, _walk_page(job, "a", 1, 1), _walk_page(job, "b", 1, 0), _walk_page(job, "a", 2, 1)
    )
    assert (await reload(pool, job)).status == "running"
    await _apply(pool, _walk_page(job, "a", 3, 0))
    done = await reload(pool, job)
    assert (done.status, done.pages_done, done.pages_total) == ("succeeded", 4, 4)
    assert (done.items_seen, done.items_created) == (4, 4)
