"""``GET /events`` and ``GET /jobs/{id}/events``: the live feed as Server-Sent Events."""

from __future__ import annotations

import uuid

import aiomysql
from aiohttp import web
from redis.asyncio import Redis

from services.api.keys import DB, SETTINGS
from services.api.live.feeds import FEED_SLOTS, FEEDS_REDIS
from services.api.live.sse import Feed, open_event_stream, pump_events, resume_id, send_event
from shared.db.jobs import get_job
from shared.errors import InvalidRequest, NotFound
from shared.events import EventOut, EventType, is_terminal, job_event, last_event_id
from shared.values.clock import utc_now


async def get_events(request: web.Request) -> web.StreamResponse:
    """Every event from now on (or after ``Last-Event-ID``), with heartbeats; never ends."""
    redis = request.app[FEEDS_REDIS]
    resume = resume_id(request)
    with request.app[FEED_SLOTS].taken():
        after = resume or await last_event_id(redis)
        response = await open_event_stream(request)
        feed = Feed(keep=lambda _event: True, last=lambda _event: False)
        await _pump(request, response, after, feed)
    return response


async def get_job_events(request: web.Request) -> web.StreamResponse:
    """One job's events; ends after its terminal event, or at once if it already ended."""
    try:
        job_id = uuid.UUID(request.match_info["id"])
    except ValueError:
        raise InvalidRequest("id must be a job id (a UUID)", field="id") from None
    redis, pool = request.app[FEEDS_REDIS], request.app[DB]
    resume = resume_id(request)
    with request.app[FEED_SLOTS].taken():
        return await _job_feed(request, job_id, redis, pool, resume)


async def _job_feed(
    request: web.Request, job_id: uuid.UUID, redis: Redis, pool: aiomysql.Pool, resume: str | None
) -> web.StreamResponse:
    # Taken before MySQL is read: an event committed after that read lies after this id.
    after = resume or await last_event_id(redis)
    job = await get_job(pool, job_id)
    if job is None:
        raise NotFound(f"no job with id {job_id}")
    response = await open_event_stream(request)
    if not job.status.is_open:
        await send_event(response, job_event(EventType.JOB_FINISHED, job, utc_now()), None)
        return response
    await send_event(response, job_event(EventType.JOB_PROGRESS, job, utc_now()), None)

    async def finished_in_mysql() -> EventOut | None:
        # The terminal event can be lost with Redis; MySQL still knows how the job ended.
        now = await get_job(pool, job_id)
        if now is None or now.status.is_open:
            return None
        return job_event(EventType.JOB_FINISHED, now, utc_now())

    feed = Feed(
        keep=lambda event: event.job_id == job_id,
        last=is_terminal,
        check_done=finished_in_mysql,
    )
    await _pump(request, response, after, feed)
    return response


async def _pump(request: web.Request, response: web.StreamResponse, after: str, feed: Feed) -> None:
    settings = request.app[SETTINGS]
    await pump_events(
        response,
        request.app[FEEDS_REDIS],
        after,
        feed,
        block_ms=int(settings.stream.block.total_seconds() * 1000),
        heartbeat_s=settings.events.heartbeat.total_seconds(),
    )
