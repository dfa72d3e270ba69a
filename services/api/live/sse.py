"""Server-Sent Events from ``itemsync:events``: one XREAD loop per client, resumable by id.

Each SSE message carries the stream entry id as its ``id``, so a client that
reconnects (to this process or any other) with ``Last-Event-ID`` resumes right
after the last event it saw. ``XREAD BLOCK`` stays below the Redis client's
socket timeout; a comment line goes out whenever nothing else did for a
heartbeat, which keeps proxies from closing the connection and lets us notice a
client that left. While Redis is unreachable the stream stays open and only
heartbeats flow; reading resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog
from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.errors import InvalidRequest
from shared.events import EventOut, read_events

log = structlog.get_logger()

_ENTRY_ID = re.compile(r"^\d{1,20}-\d{1,20}$")
REDIS_PAUSE_S = 1.0  # between reads while Redis is unreachable
MAX_BLOCK_MS = 2000  # far below any sane socket timeout, short enough to notice a stop


@dataclass(frozen=True)
class Feed:
    """What one SSE client is sent: which events, when it ends, how often to check."""

    keep: Callable[[EventOut], bool]
    last: Callable[[EventOut], bool]  # an event after which the stream ends
    # Called at each heartbeat: a final event when the stream should end without one.
    check_done: Callable[[], Awaitable[EventOut | None]] | None = None


def resume_id(request: web.Request) -> str | None:
    """The ``Last-Event-ID`` header (or ``?after=``), validated; None when absent."""
    raw = request.headers.get("Last-Event-ID") or request.query.get("after")
    if raw is None or raw == "":
        return None
    if not _ENTRY_ID.match(raw):
        raise InvalidRequest(
            "Last-Event-ID must be a stream entry id like 1700000000000-0", field="Last-Event-ID"
        )
    return raw


async def open_event_stream(request: web.Request) -> web.StreamResponse:
    """Send the headers of an SSE answer."""
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",  # nginx would otherwise hold events back
        }
    )
    await response.prepare(request)
    return response


async def send_event(response: web.StreamResponse, event: EventOut, entry_id: str | None) -> None:
    """One SSE message; without an id it does not move the client's resume point."""
    head = f"id: {entry_id}\n" if entry_id else ""
    await response.write(f"{head}data: {event.model_dump_json()}\n\n".encode())


async def pump_events(
    response: web.StreamResponse,
    redis: Redis,
    after_id: str,
    feed: Feed,
    *,
    block_ms: int,
    heartbeat_s: float,
) -> None:
    """Send events after ``after_id`` until the feed's last event or the client leaves."""
    block_ms = max(1, min(block_ms, MAX_BLOCK_MS, int(heartbeat_s * 1000)))
    quiet_since = time.monotonic()
    try:
        while True:
            try:
                after_id, events = await read_events(redis, after_id, block_ms=block_ms)
            except (RedisError, OSError) as exc:
                log.warning("events.read_failed", error=f"{type(exc).__name__}: {exc}")
                await asyncio.sleep(REDIS_PAUSE_S)
                events = []
            for entry_id, event in events:
                if not feed.keep(event):
                    continue
                await send_event(response, event, entry_id)
                quiet_since = time.monotonic()
                if feed.last(event):
                    return
            if time.monotonic() - quiet_since >= heartbeat_s:
                await response.write(b": heartbeat\n\n")
                quiet_since = time.monotonic()
                if feed.check_done is not None and (final := await feed.check_done()):
                    await send_event(response, final, None)
                    return
    except ConnectionResetError:  # the client left: nothing to clean up but this loop
        return
