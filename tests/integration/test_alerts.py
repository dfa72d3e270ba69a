"""Alerts: each one POSTed once across alerters, retried while the webhook is down."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from services.api.app import create_app
from shared.alerts import AlertLoop, start_alert_group
from shared.config import AlertSettings, Settings
from shared.events import EventOut, EventType, publish_event
from shared.streams import names
from shared.values.clock import utc_now
from tests.e2e.waiting import wait_until_async


@dataclass
class Receiver:
    """A webhook that fails its first ``failures`` requests, then accepts. A failing
    request is held until ``released`` is set: down and hanging, nobody may wait for it."""

    failures: int
    requests: int = 0
    accepted: list[dict[str, Any]] = field(default_factory=list)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self.requests <= self.failures:
            await self.released.wait()
            return web.Response(status=503)
        self.accepted.append(await request.json())
        return web.Response(status=200)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    """The failing-then-accepting webhook and its URL."""
    hook = Receiver(failures=2)
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    async with TestServer(app) as server:
        yield hook, str(server.make_url("/hook"))


def _job_finished(status: str) -> EventOut:
    data = {"status": status, "pages_done": 3, "pages_total": 8, "items_failed": 2}
    return EventOut(
        type=EventType.JOB_FINISHED, at=utc_now(), source="pokemon", job_id=uuid.uuid4(), data=data
    )


async def _run_alerters(redis: Redis, url: str, stop: asyncio.Event) -> list[asyncio.Task[None]]:
    session = aiohttp.ClientSession()
    loops = [
        AlertLoop(
            redis=redis, session=session, urls=[url], consumer=name, timeout_s=5, block_ms=100
        )
        for name in ("api-a", "api-b")
    ]
    running = [asyncio.create_task(loop.run_until(stop)) for loop in loops]

    async def close_session() -> None:
        await stop.wait()
        await asyncio.gather(*running, return_exceptions=True)
        await session.close()

    return [*running, asyncio.create_task(close_session())]


async def _alerters_group_created(redis: Redis) -> None:
    """Wait (30 s at most) until an alerter has created its group: events from then on are its."""
    deadline = time.monotonic() + 30
    while True:
        try:
            groups: Any = await redis.xinfo_groups(names.EVENTS)
        except ResponseError:  # no stream yet
            groups = []
        if any(group["name"] in (names.ALERTERS, names.ALERTERS.encode()) for group in groups):
            return
        assert time.monotonic() < deadline, "no alerter created its group within 30 s"
        await asyncio.sleep(0.01)


async def test_each_alert_is_delivered_once_after_the_webhook_recovers(
    redis: Redis, receiver: tuple[Receiver, str]
) -> None:
    """Two alerters, a webhook failing twice: both alerts arrive once; publishing never waits."""
    hook, url = receiver
    await start_alert_group(redis)
    stop = asyncio.Event()
    tasks = await _run_alerters(redis, url, stop)
    try:
        failed_id = await publish_event(redis, _job_finished("failed"))
        await publish_event(redis, _job_finished("succeeded"))  # no alert for a success
        # The webhook now holds the first alert's request, answering nothing.
        await wait_until_async(lambda: hook.requests >= 1, timeout_s=30, poll_s=0.05)
        opened = EventOut(
            type=EventType.BREAKER_OPENED, at=utc_now(), source="pokemon", data={"failures": 5}
        )
        # Publishing returns while the webhook still hangs: it never waits for the webhook.
        opened_id = await asyncio.wait_for(publish_event(redis, opened), timeout=30)
        hook.released.set()
        await wait_until_async(lambda: len(hook.accepted) >= 2, timeout_s=10, poll_s=0.05)
        await asyncio.sleep(0.5)  # time enough for a duplicate to show up
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    assert sorted(a["event_id"] for a in hook.accepted) == sorted([failed_id, opened_id])
    assert hook.requests == 4  # two refused, two accepted: no alert sent twice
    texts = {a["kind"]: a["text"] for a in hook.accepted}
    assert "ended failed" in texts["job.finished"]
    assert "opened" in texts["breaker.opened"]
    pending: Any = await redis.xpending(names.EVENTS, names.ALERTERS)
    assert pending["pending"] == 0


async def test_alerters_start_at_the_end_of_the_stream(
    redis: Redis, receiver: tuple[Receiver, str]
) -> None:
    """Switching alerts on does not replay the events already in the stream."""
    hook, url = receiver
    hook.failures = 0
    await publish_event(redis, _job_finished("failed"))
    stop = asyncio.Event()
    tasks = await _run_alerters(redis, url, stop)
    try:
        await _alerters_group_created(redis)
        fresh = await publish_event(redis, _job_finished("timed_out"))
        await wait_until_async(lambda: len(hook.accepted) >= 1, timeout_s=10, poll_s=0.05)
        await asyncio.sleep(0.3)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    assert [a["event_id"] for a in hook.accepted] == [fresh]


async def test_the_api_process_runs_an_alerter_when_webhooks_are_set(
    settings: Settings, pool: Any, redis: Redis, receiver: tuple[Receiver, str]
) -> None:
    """With ALERT_WEBHOOK_URLS the API delivers alerts; it joins the alerters group at start."""
    hook, url = receiver
    hook.failures = 0
    with_alerts = settings.model_copy(update={"alert": AlertSettings(webhook_urls=SecretStr(url))})
    async with TestClient(TestServer(create_app(with_alerts))):
        await _alerters_group_created(redis)
        closed = EventOut(type=EventType.BREAKER_CLOSED, at=utc_now(), source="pokemon")
        closed_id = await publish_event(redis, closed)
        await wait_until_async(lambda: len(hook.accepted) >= 1, timeout_s=10, poll_s=0.05)
    assert [a["event_id"] for a in hook.accepted] == [closed_id]
    assert hook.accepted[0]["text"] == "item-sync: breaker of pokemon closed; calls resumed"
