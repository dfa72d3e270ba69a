"""The alerter: reads ``itemsync:events`` in group ``alerters`` and POSTs alerts.

A consumer group hands each event to one consumer, so however many processes
run an alerter, each alert goes out once (at least once: a consumer killed
between the POST and its XACK leaves the entry to be taken over and sent
again). The group starts at the stream's end: switching alerts on does not
replay history. Delivery runs here, beside the pipeline, never in it: a webhook
that is down delays alerts, not pages.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

import aiohttp
import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from shared.alerts.delivery import deliver
from shared.alerts.payload import alert_for
from shared.errors import InvalidMessage
from shared.events.codec import decode_event
from shared.resilience.backoff import Backoff
from shared.streams import names
from shared.streams.codec import StreamEntry
from shared.streams.consumer import GroupReader

log = structlog.get_logger()

BATCH = 10
CLAIM_EVERY_S = 30.0
# Longer than one event's worst delivery (every attempt, every URL), so live work is not stolen.
CLAIM_IDLE_MS = 300_000


@dataclass
class AlertLoop:
    """One alerter consumer."""

    redis: Redis
    session: aiohttp.ClientSession
    urls: list[str]
    consumer: str
    timeout_s: float
    attempts: int = 5
    block_ms: int = 2000

    async def run_until(self, stop: asyncio.Event) -> None:
        """Deliver alerts until ``stop`` is set; Redis outages are waited out."""
        reader = GroupReader(
            redis=self.redis,
            stream=names.EVENTS,
            group=names.ALERTERS,
            consumer=self.consumer,
            block_ms=self.block_ms,
        )
        backoff = Backoff(stop)
        group_ready = False
        claimed_at = time.monotonic()
        while not stop.is_set():
            try:
                if not group_ready:  # at start, and after Redis came back (maybe empty)
                    await start_alert_group(self.redis)
                    group_ready = True
                entries = await reader.read(BATCH)
                if not entries and time.monotonic() - claimed_at > CLAIM_EVERY_S:
                    claimed_at = time.monotonic()
                    entries = await reader.claim_stale(CLAIM_IDLE_MS, BATCH)
                for entry in entries:
                    await self._handle(entry)
                    await reader.ack([entry[0]])
                backoff.succeeded()
            except (RedisError, OSError) as exc:
                group_ready = False
                reader.recover_pending()
                await backoff.after_failure("alerts.redis_unavailable", exc)
        # Each process start is a new consumer name: leave, or the group collects them forever.
        with contextlib.suppress(RedisError, OSError):
            await reader.leave_group()

    async def _handle(self, entry: StreamEntry) -> None:
        entry_id, fields = entry
        if not fields:  # trimmed while pending
            return
        try:
            event = decode_event(fields)
        except InvalidMessage:
            return  # not an event: nothing to tell anyone
        alert = alert_for(entry_id.decode(), event)
        if alert is None:
            return
        for url in self.urls:
            delivered = await deliver(
                self.session, url, alert, timeout_s=self.timeout_s, attempts=self.attempts
            )
            log.info(
                "alert.sent" if delivered else "alert.dropped",
                kind=alert.kind,
                event_id=alert.event_id,
                source=alert.source,
            )


async def start_alert_group(redis: Redis) -> None:
    """Create the ``alerters`` group at the stream's end, unless it exists."""
    try:
        await redis.xgroup_create(names.EVENTS, names.ALERTERS, id="$", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise
