"""``WORKER_*``, ``RETRY_*``, ``STREAM_*``, ``FETCHER_*``, ``WRITER_*`` and ``CACHE_*``:
how the scheduler, the consumers and the item cache behave."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field

from shared.values.durations import PositiveDuration, parse_duration

MAX_LINGER = timedelta(seconds=5)


def _linger(value: object) -> timedelta:
    # Checked on the text given, so an error shows what the operator wrote.
    linger = parse_duration(value)
    if linger > MAX_LINGER:
        raise ValueError("must be at most 5s: a batch in hand waits no longer")
    return linger


Linger = Annotated[timedelta, BeforeValidator(_linger)]


class WorkerSettings(BaseModel):
    """``WORKER_*``: the scheduler's period, the job deadline, and when a job is re-driven."""

    enabled: bool = True
    sync_interval: PositiveDuration = timedelta(minutes=15)
    job_timeout: PositiveDuration = timedelta(minutes=10)
    # An open job with no page written for this long and nothing of it in either
    # stream lost its work (Redis lost its data): the writers emit it again.
    redrive_after: PositiveDuration = timedelta(seconds=60)


class RetrySettings(BaseModel):
    """``RETRY_*``: the one retry policy and the per-source breaker."""

    max_retries: int = Field(default=5, ge=0, le=50)
    backoff_factor: float = Field(default=2.0, ge=1.0)
    circuit_threshold: int = Field(default=5, ge=1)
    circuit_timeout: PositiveDuration = timedelta(seconds=60)


class StreamSettings(BaseModel):
    """``STREAM_*``: how consumers read their streams, and how full ``itemsync:pages`` may get."""

    block: PositiveDuration = timedelta(seconds=2)
    claim_idle: PositiveDuration = timedelta(seconds=60)
    max_deliveries: int = Field(default=5, ge=1)
    shutdown_grace: PositiveDuration = timedelta(seconds=8)
    # Fetchers take no new command while the writers leave more than this unacknowledged
    # (0: no limit); Redis memory is then bounded by the budget plus the pages in hand.
    pages_max_pending: int = Field(default=256, ge=0)
    pages_max_bytes: int = Field(default=32 * 1024 * 1024, ge=0)


class FetcherSettings(BaseModel):
    """``FETCHER_*``: how many commands a fetcher holds at once."""

    batch_size: int = Field(default=4, ge=1, le=256)


class WriterSettings(BaseModel):
    """``WRITER_*``: how many pages, and how many bytes of them, one transaction applies."""

    batch_size: int = Field(default=16, ge=1, le=1000)
    # Real pages run to several MB each: a writer reads as many as fit in this (at least one).
    batch_max_bytes: int = Field(default=8 * 1024 * 1024, ge=64 * 1024)
    max_statement_bytes: int = Field(default=4 * 1024 * 1024, ge=64 * 1024)
    # A writer that finds pages waiting, but fewer than a full batch, waits up to this long
    # for more: a transaction of several pages costs about what one of a single page does.
    # 0 applies what is there at once.
    linger: Linger = timedelta(milliseconds=100)


class CacheSettings(BaseModel):
    """``CACHE_*``: the Redis cache in front of ``GET /items/{id}``."""

    item_ttl: PositiveDuration = timedelta(minutes=5)
    # Each API process also keeps hot answers in memory, dropped when a writer changes
    # the item; 0 turns that copy off.
    local_max_bytes: int = Field(default=64 * 1024 * 1024, ge=0)
    local_ttl: PositiveDuration = timedelta(seconds=60)
