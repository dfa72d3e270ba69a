"""Which jobs still have work in Redis: the same contract on fakeredis and real Redis."""

from __future__ import annotations

import uuid
from typing import Any

from redis.asyncio import Redis

from shared.recovery.inflight import InFlight, jobs_in_flight
from shared.streams import names
from shared.streams.groups import ensure_groups


async def _add(redis: Redis, stream: str, job_id: uuid.UUID) -> bytes:
    entry_id: Any = await redis.xadd(stream, {"job_id": str(job_id), "type": "list"})
    return bytes(entry_id)


async def _deliver(redis: Redis, stream: str, group: str, count: int) -> list[bytes]:
    reply: Any = await redis.xreadgroup(group, "c1", {stream: ">"}, count=count)
    return [entry_id for entry_id, _ in reply[0][1]]


async def test_nothing_is_in_flight_when_redis_holds_nothing(any_redis: Redis) -> None:
    """Streams that do not exist (Redis lost them) hold no job's work."""
    assert await jobs_in_flight(any_redis) == InFlight(working=set(), dead={})


async def test_queued_and_pending_entries_count_and_acknowledged_ones_do_not(
    any_redis: Redis,
) -> None:
    """Undelivered and unacknowledged entries are work in flight; acknowledged ones are done."""
    await ensure_groups(any_redis)
    done, held, queued, page = (uuid.uuid4() for _ in range(4))
    await _add(any_redis, names.COMMANDS, done)
    await _add(any_redis, names.COMMANDS, held)
    first, _ = await _deliver(any_redis, names.COMMANDS, names.FETCHERS, 2)
    await any_redis.xack(names.COMMANDS, names.FETCHERS, first)
    await _add(any_redis, names.COMMANDS, queued)
    await _add(any_redis, names.PAGES, page)
    assert (await jobs_in_flight(any_redis)).working == {held, queued, page}


async def test_entries_of_a_stream_whose_group_is_gone_all_count(any_redis: Redis) -> None:
    """A stream recreated by XADD after a loss, before any consumer recreated its group."""
    job = uuid.uuid4()
    await _add(any_redis, names.PAGES, job)
    assert (await jobs_in_flight(any_redis)).working == {job}


async def test_dead_letters_are_told_apart_and_foreign_entries_are_ignored(
    any_redis: Redis,
) -> None:
    """Dead letters are listed by job, oldest first, not as work under way; entries without
    a job id belong to none."""
    job = uuid.uuid4()
    first, second = await _add(any_redis, names.DEAD, job), await _add(any_redis, names.DEAD, job)
    await any_redis.xadd(names.COMMANDS, {"note": "not ours"})
    await any_redis.xadd(names.DEAD, {"note": "not ours either"})
    in_flight = await jobs_in_flight(any_redis)
    assert in_flight.working == set()
    assert list(in_flight.dead) == [job]
    assert [letter.dead_id for letter in in_flight.dead[job]] == [first.decode(), second.decode()]


async def test_long_streams_are_read_to_their_end(any_redis: Redis) -> None:
    """The scan pages through streams longer than one XRANGE call."""
    await ensure_groups(any_redis)
    jobs = [uuid.uuid4() for _ in range(450)]
    for job in jobs:
        await _add(any_redis, names.COMMANDS, job)
    assert (await jobs_in_flight(any_redis)).working == set(jobs)
