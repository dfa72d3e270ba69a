"""``item-sync status``: streams, groups, consumers, breakers and the last jobs at a glance."""

from __future__ import annotations

import asyncio
import sys
from typing import Any, TextIO

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.config import Settings
from shared.db.jobs import list_jobs
from shared.db.pool import db_pool
from shared.errors import CorruptState
from shared.redis.client import redis_client
from shared.resilience.breaker import read_breaker
from shared.streams import names

GROUPS = ((names.COMMANDS, names.FETCHERS), (names.PAGES, names.WRITERS))
LAST_JOBS = 5


def run_status(settings: Settings) -> int:
    """Print the pipeline's state; the exit code."""
    asyncio.run(print_status(settings, sys.stdout))
    return 0


async def print_status(settings: Settings, out: TextIO) -> None:
    """Write every section of the status to ``out``."""
    async with redis_client(settings.redis) as redis, db_pool(settings.database) as pool:
        print("streams", file=out)
        for stream, group in GROUPS:
            for line in await _stream_lines(redis, stream, group):
                print(f"  {line}", file=out)
        print(f"  {names.DEAD}  length {await redis.xlen(names.DEAD)}", file=out)
        print("breakers", file=out)
        for source in settings.api.sources:
            try:
                state = await read_breaker(redis, source)
            except CorruptState as exc:
                print(f"  {source}  corrupt: {exc}", file=out)
                continue
            print(
                f"  {source}  {state.state}  failures {state.failures}  trips {state.trips}",
                file=out,
            )
        jobs, total = await list_jobs(pool, source=None, status=None, limit=LAST_JOBS, offset=0)
        print(f"last jobs ({len(jobs)} of {total})", file=out)
        for job in jobs:
            pages = f"{job.pages_done}/{'?' if job.pages_total is None else job.pages_total}"
            print(
                f"  {job.id}  {job.source}  {job.trigger.value}  {job.status.value}  "
                f"pages {pages}  items {job.items_seen} (created {job.items_created}, "
                f"updated {job.items_updated}, unchanged {job.items_unchanged}, "
                f"failed {job.items_failed})  started {job.started_at:%Y-%m-%d %H:%M:%S}",
                file=out,
            )


async def _stream_lines(redis: Redis, stream: str, group: str) -> list[str]:
    length = await redis.xlen(stream)
    try:
        groups: list[dict[str, Any]] = await redis.xinfo_groups(stream)
    except ResponseError:  # the stream does not exist yet
        groups = []
    info = next((g for g in groups if _text(g.get("name")) == group), None)
    if info is None:
        return [f"{stream}  length {length}  group {group}: not created yet"]
    lines = [
        f"{stream}  length {length}  group {group}: lag {_text(info.get('lag')) or '?'}, "
        f"pending {info.get('pending', 0)}, consumers {info.get('consumers', 0)}"
    ]
    consumers: list[dict[str, Any]] = await redis.xinfo_consumers(stream, group)
    for consumer in consumers:
        idle_s = int(consumer.get("idle", 0)) / 1000
        lines.append(
            f"  consumer {_text(consumer.get('name'))}  pending {consumer.get('pending', 0)}  "
            f"idle {idle_s:.1f}s"
        )
    return lines


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode()
    return "" if value is None else str(value)
