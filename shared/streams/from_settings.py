"""What ``STREAM_*`` settings make of a consumer: its reader, loop bounds, gate and health age."""

from __future__ import annotations

from redis.asyncio import Redis

from shared.config import Settings
from shared.streams import names
from shared.streams.backpressure import BackpressureGate, StreamBudget
from shared.streams.consumer import GroupReader, consumer_name
from shared.streams.loop import LoopSettings


def group_reader(
    redis: Redis, settings: Settings, *, stream: str, group: str, role: str
) -> GroupReader:
    """A reader for one new consumer named after ``role``."""
    return GroupReader(
        redis=redis,
        stream=stream,
        group=group,
        consumer=consumer_name(role),
        block_ms=int(settings.stream.block.total_seconds() * 1000),
    )


def loop_settings(
    settings: Settings, *, count: int, max_batch_bytes: int | None = None, linger_s: float = 0.0
) -> LoopSettings:
    """Reclaim, dead-letter and shutdown bounds from ``STREAM_*``."""
    return LoopSettings(
        count=count,
        max_batch_bytes=max_batch_bytes,
        linger_s=linger_s,
        claim_idle_ms=int(settings.stream.claim_idle.total_seconds() * 1000),
        max_deliveries=settings.stream.max_deliveries,
        grace_s=settings.stream.shutdown_grace.total_seconds(),
    )


BACKPRESSURE_POLL_S = 0.1  # a gated fetcher resumes this soon after the writers catch up


def pages_gate(redis: Redis, settings: Settings) -> BackpressureGate:
    """The gate that holds fetchers back while the writers are behind on ``itemsync:pages``."""
    return BackpressureGate(
        redis=redis,
        budget=StreamBudget(
            stream=names.PAGES,
            group=names.WRITERS,
            max_entries=settings.stream.pages_max_pending,
            max_bytes=settings.stream.pages_max_bytes,
        ),
        poll_s=min(BACKPRESSURE_POLL_S, settings.stream.block.total_seconds()),
    )


def loop_max_age_s(settings: Settings) -> float:
    """How long a consumer loop may go without a turn before ``/health`` calls it stuck.

    A loop turns at least every ``STREAM_BLOCK`` (a writer's turn may add its linger, at
    most 5 s and a third of ``STREAM_CLAIM_IDLE``); while a batch is in hand it turns
    every third of ``STREAM_CLAIM_IDLE``; failure pauses stay under 5 s.
    """
    return (settings.stream.claim_idle + settings.stream.block).total_seconds() + 10.0
