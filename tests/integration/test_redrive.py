"""Re-driving stalled jobs against real Redis and MariaDB: what is emitted, when, and once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import aiomysql
import pytest
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis
from structlog.testing import capture_logs

from services.api.app import create_app
from services.writer.upsert import apply_batch
from shared.config import Settings
from shared.db.jobs import get_job
from shared.jobs.launch import publish_commands
from shared.models.commands import Command, PageCommand
from shared.models.envelope import Envelope
from shared.models.jobs import SyncJobRow
from shared.models.spec import SyncSpec
from shared.recovery import Redriver, commands_still_needed
from shared.sources.base import SourcePlanner
from shared.sources.registry import build_planners
from shared.streams import names
from shared.streams.codec import decode_command
from shared.streams.groups import ensure_groups
from shared.values.clock import utc_now
from tests.integration.jobs_helpers import earlier, item, new_job, page, reload

QUIET = timedelta(seconds=30)
LIMIT = 20  # POKEAPI_PAGE_SIZE's default: the page size of a list job without params
AUTH = {"Authorization": "Bearer test-token"}


@pytest.fixture
def planners(settings: Settings) -> dict[str, SourcePlanner]:
    """Every source's planner: a re-drive only plans, so no HTTP session is built."""
    return build_planners(settings)


@pytest.fixture
def redriver(redis: Redis, pool: aiomysql.Pool, planners: dict[str, SourcePlanner]) -> Redriver:
    """A redriver with a 30 s quiet bound, as a writer runs it."""
    return Redriver(redis=redis, pool=pool, planners=planners, quiet=QUIET)


def _first_page(planners: dict[str, SourcePlanner]) -> PageCommand:
    """The fan-out first page of a complete pokemon list, as an unforced job sends it."""
    (command,) = planners["pokemon"].plan(SyncSpec.full_list("pokemon"))
    assert isinstance(command, PageCommand)
    assert command.fan_out
    assert command.params["limit"] == str(LIMIT)
    return command.model_copy(update={"conditional": True})


async def _list_job(pool: aiomysql.Pool) -> SyncJobRow:
    """A list job of the whole catalogue, opened two minutes ago."""
    job = await new_job(pool)  # its params name no offset or limit: the whole catalogue
    await _execute(pool, "UPDATE sync_jobs SET started_at = %s WHERE id = %s", earlier(120), job)
    return job


async def _write(pool: aiomysql.Pool, job: SyncJobRow, *keys: str, pages_total: int) -> None:
    """Apply pages of ``job`` (the first one carries the total), then age them two minutes."""
    messages = [
        page(job, key, [item(n)], pages_total=pages_total if key == "page:1" else None)
        for n, key in enumerate(keys, start=1)
    ]
    async with pool.acquire() as conn:
        await apply_batch(conn, messages, max_statement_bytes=4 * 1024 * 1024)
    await _execute(
        pool, "UPDATE sync_job_pages SET written_at = %s WHERE job_id = %s", earlier(120), job
    )


async def _execute(pool: aiomysql.Pool, sql: str, moment: Any, job: SyncJobRow) -> None:
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(sql, (moment.replace(tzinfo=None), str(job.id)))
        await conn.commit()


async def _queued_commands(redis: Redis) -> list[tuple[str, Command]]:
    entries: Any = await redis.xrange(names.COMMANDS)
    decoded = [decode_command(fields) for _, fields in entries]
    return [(str(message.envelope.job_id), message.command) for message in decoded]


async def test_a_job_that_lost_all_its_work_is_redriven_from_its_first_page(
    redriver: Redriver, pool: aiomysql.Pool, redis: Redis, planners: dict[str, SourcePlanner]
) -> None:
    """Open, nothing written, nothing in Redis: its plan (the fan-out first page) goes out again."""
    job = await _list_job(pool)
    with capture_logs() as logs:
        assert await redriver.sweep() == [job.id]
    assert await _queued_commands(redis) == [(str(job.id), _first_page(planners))]
    assert [line["event"] for line in logs] == ["job.redriven"]


async def test_only_the_pages_missing_from_the_ledger_are_emitted(
    redriver: Redriver, pool: aiomysql.Pool, redis: Redis
) -> None:
    """With the first page written, the total is known: only unwritten follow-up pages go out."""
    job = await _list_job(pool)
    await _write(pool, job, "page:1", "page:3", pages_total=4)
    assert await redriver.sweep() == [job.id]
    queued = [command for _, command in await _queued_commands(redis)]
    offsets = [c.params["offset"] for c in queued if isinstance(c, PageCommand)]
    assert offsets == ["20", "60"]
    assert [c.page_key for c in queued] == ["page:2", "page:4"]


async def test_a_job_with_an_entry_queued_or_pending_is_left_alone(
    redriver: Redriver, pool: aiomysql.Pool, redis: Redis, planners: dict[str, SourcePlanner]
) -> None:
    """An entry not yet delivered, or delivered and unacknowledged, means work is under way."""
    queued, held, acked = await _list_job(pool), await _list_job(pool), await _list_job(pool)
    await ensure_groups(redis)
    first = _first_page(planners)
    for job in (held, acked):
        await _publish(redis, job, first)
    delivered: Any = await redis.xreadgroup(names.FETCHERS, "c1", {names.COMMANDS: ">"}, count=2)
    ids = [entry_id for entry_id, _ in delivered[0][1]]
    await redis.xack(names.COMMANDS, names.FETCHERS, ids[1])  # ``acked``'s entry is done
    await _publish(redis, queued, first)
    assert await redriver.sweep() == [acked.id]


async def _dead_letter(redis: Redis, job: SyncJobRow, entry_id: str, error: str) -> str:
    dead_id: Any = await redis.xadd(
        names.DEAD,
        {
            "job_id": str(job.id),
            "type": "list",
            "body": "{}",
            "error": error,
            "deliveries": "3",
            "stream": names.COMMANDS,
            "group": names.FETCHERS,
            "entry_id": entry_id,
        },
    )
    return str(dead_id.decode())


async def test_a_job_left_with_only_dead_letters_ends_failed_naming_them(
    redriver: Redriver, pool: aiomysql.Pool, redis: Redis
) -> None:
    """Re-driving would only re-poison, and waiting would keep the job open for good: it ends
    ``failed``, its error naming the first dead letter and counting the others."""
    job = await _list_job(pool)
    first = await _dead_letter(redis, job, "1700000000000-0", "HTTP 500 for detail 1000")
    await _dead_letter(redis, job, "1700000000000-1", "HTTP 500 for detail 1001")
    with capture_logs() as logs:
        assert await redriver.sweep() == []
    assert await _queued_commands(redis) == []
    ended = await reload(pool, job)
    assert ended.status == "failed"
    assert ended.finished_at is not None
    assert ended.error is not None
    for part in (first, "1700000000000-0", names.COMMANDS, "3 deliveries", "detail 1000", "1 more"):
        assert part in ended.error
    assert [line["event"] for line in logs] == ["job.dead_lettered"]
    assert await redriver.sweep() == []  # ended once: a later sweep finds nothing open


async def test_a_job_with_a_dead_letter_and_work_under_way_stays_open(
    redriver: Redriver, pool: aiomysql.Pool, redis: Redis, planners: dict[str, SourcePlanner]
) -> None:
    """While another entry of the job is queued, its dead letter does not end it yet."""
    job = await _list_job(pool)
    await _dead_letter(redis, job, "1700000000000-0", "boom")
    await ensure_groups(redis)
    await _publish(redis, job, _first_page(planners))
    assert await redriver.sweep() == []
    assert (await reload(pool, job)).status == "pending"


async def test_a_job_that_wrote_a_page_recently_is_not_stalled(
    redriver: Redriver, pool: aiomysql.Pool
) -> None:
    """A page written inside the quiet bound is progress: the job is not re-driven."""
    job = await _list_job(pool)
    async with pool.acquire() as conn:
        await apply_batch(
            conn, [page(job, "list:0", [item(1)], pages_total=3)], max_statement_bytes=1 << 22
        )
    assert await redriver.sweep() == []


async def test_concurrent_sweeps_redrive_a_job_once_and_later_sweeps_see_it_in_flight(
    redis: Redis, pool: aiomysql.Pool, planners: dict[str, SourcePlanner]
) -> None:
    """Many writers sweeping at once, then again, emit the job's commands exactly once."""
    await _list_job(pool)
    fleet = [
        Redriver(redis=redis, pool=pool, planners=planners, quiet=QUIET, lock_wait_s=2.0)
        for _ in range(4)
    ]
    results = await asyncio.gather(*(member.sweep() for member in fleet))
    assert sorted(len(result) for result in results) == [0, 0, 0, 1]
    assert await fleet[0].sweep() == []
    assert len(await _queued_commands(redis)) == 1


async def test_redriven_pages_land_once_and_close_the_job_with_exact_counters(
    redriver: Redriver, pool: aiomysql.Pool
) -> None:
    """A page that arrives twice (its original and its re-drive) is counted once."""
    job = await _list_job(pool)
    await _write(pool, job, "page:1", pages_total=2)
    assert await redriver.sweep() == [job.id]
    again = page(job, "page:1", [item(1)], pages_total=2)  # the lost page was a duplicate
    last = page(job, "page:2", [item(2)])
    async with pool.acquire() as conn:
        await apply_batch(conn, [again, last], max_statement_bytes=1 << 22)
    done = await reload(pool, job)
    assert (done.status, done.pages_done, done.items_seen, done.items_created) == (
        "succeeded",
        2,
        2,
        2,
    )


async def test_commands_still_needed_follow_the_plan_of_every_kind_of_job(
    planners: dict[str, SourcePlanner], pool: aiomysql.Pool
) -> None:
    """Detail and weather jobs re-emit their unwritten commands; a complete list job nothing."""
    detail = await new_job(pool, operation="detail", params={"id": "25"})
    assert [c.page_key for c in commands_still_needed(planners["pokemon"], detail, set())] == [
        "detail:25"
    ]
    assert commands_still_needed(planners["pokemon"], detail, {"detail:25"}) == []
    weather = (await new_job(pool)).model_copy(update={"source": "openweather"})
    planned = commands_still_needed(planners["openweather"], weather, {"page:London:1"})
    assert "page:London:1" not in [c.page_key for c in planned]
    assert len(planned) == 4
    listing = (await new_job(pool)).model_copy(update={"pages_total": 2})
    assert commands_still_needed(planners["pokemon"], listing, {"page:1", "page:2"}) == []


async def test_an_identical_sync_onto_a_stalled_job_redrives_it(
    settings: Settings, pool: aiomysql.Pool, redis: Redis, planners: dict[str, SourcePlanner]
) -> None:
    """POST /sync never answers with a job nothing works on: Redis lost it, the API re-drives."""
    async with TestClient(TestServer(create_app(settings))) as client:
        first = await (await client.post("/sync", json={}, headers=AUTH)).json()
        await redis.flushdb()  # Redis loses the job's command
        job = await _job_row(pool, first["job_id"])
        await _execute(pool, "UPDATE sync_jobs SET started_at = %s WHERE id = %s", earlier(5), job)
        with capture_logs() as logs:
            again = await client.post("/sync", json={}, headers=AUTH)
        body = await again.json()
    assert (again.status, body["job_id"], body["deduplicated"]) == (200, first["job_id"], True)
    requested = [line for line in logs if line["event"] == "sync.requested"]
    assert [line["redriven"] for line in requested] == [True]
    assert await _queued_commands(redis) == [(first["job_id"], _first_page(planners))]


async def test_an_identical_sync_onto_a_dead_lettered_job_starts_a_new_one(
    settings: Settings, pool: aiomysql.Pool, redis: Redis, planners: dict[str, SourcePlanner]
) -> None:
    """The open job's only work left is a dead letter: the check ends it ``failed``, and
    the request gets a new job (202, not deduplicated) whose first command is queued."""
    async with TestClient(TestServer(create_app(settings))) as client:
        first = await (await client.post("/sync", json={}, headers=AUTH)).json()
        job = await _job_row(pool, first["job_id"])
        await redis.delete(names.COMMANDS)  # its command was dead-lettered: gone from the queue
        await _dead_letter(redis, job, "1700000000000-0", "HTTP 500 for the first page")
        await _execute(pool, "UPDATE sync_jobs SET started_at = %s WHERE id = %s", earlier(5), job)
        again = await client.post("/sync", json={}, headers=AUTH)
        body = await again.json()
    assert (again.status, body["deduplicated"], body["status"]) == (202, False, "pending")
    assert body["job_id"] != first["job_id"]
    assert (await _job_row(pool, first["job_id"])).status == "failed"
    assert await _queued_commands(redis) == [(body["job_id"], _first_page(planners))]


async def _job_row(pool: aiomysql.Pool, job_id: str) -> SyncJobRow:
    found = await get_job(pool, uuid.UUID(job_id))
    assert found is not None
    return found


async def _publish(redis: Redis, job: SyncJobRow, command: Command) -> None:
    envelope = Envelope(
        job_id=job.id, source=job.source, trace_id=job.trace_id, created_at=utc_now()
    )
    await publish_commands(redis, envelope, [command])
