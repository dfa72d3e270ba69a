"""``item-sync sync <source> [--wait]``: open a job as ``POST /sync`` does, then follow it."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from typing import Any, TextIO

import aiomysql
from pydantic import TypeAdapter, ValidationError
from tqdm import tqdm

from shared.config import Settings
from shared.db.jobs import get_job
from shared.db.pool import db_pool
from shared.errors import InvalidRequest
from shared.jobs.launch import launch_sync
from shared.models.http import TAG_MARK, http_models
from shared.models.jobs import JobStatus, JobTrigger, SyncJobRow
from shared.models.spec import SyncSpec
from shared.redis.client import redis_client
from shared.sources.base import SourcePlanner
from shared.sources.registry import (
    default_source,
    detail_id_types,
    enabled_planners,
    not_enabled_message,
)

POLL_S = 0.5
PLAIN_EVERY_S = 5.0  # without a terminal, one progress line this often


def run_sync(
    settings: Settings,
    source: str,
    *,
    force: bool,
    operation: str,
    item_id: str | None,
    wait: bool,
) -> int:
    """Open the job, print its id, and with ``wait`` follow it; 0 only if it succeeded."""
    planner, spec = sync_spec(settings, source, force=force, operation=operation, item_id=item_id)
    return asyncio.run(_run(settings, planner, spec, wait=wait, out=sys.stdout))


def sync_spec(
    settings: Settings, source: str, *, force: bool, operation: str, item_id: str | None
) -> tuple[SourcePlanner, SyncSpec]:
    """The sync the command line asks for, validated as ``POST /sync`` validates its body."""
    if source not in settings.api.sources:
        raise InvalidRequest(not_enabled_message(source, settings.api.sources))
    planners = enabled_planners(settings)
    models = http_models(detail_id_types(planners), default=default_source(settings.api.sources))
    item: str | int | None = item_id
    if item_id is not None and item_id.isascii() and item_id.isdigit():
        # The command line has only text: digits go as a number where the id may be one.
        item = int(item_id) if _takes_numbers(planners[source].detail_id) else item_id
    try:
        spec = models.sync_request.model_validate(
            {
                "api_source": source,
                "force_sync": force,
                "operation": operation,
                **({} if item is None else {"params": {"id": item}}),
            }
        ).root.spec()
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"] if not str(p).startswith(TAG_MARK))
        field = field or "operation"
        raise InvalidRequest(f"{field}: {error['msg']}", field=field) from None
    return planners[source], spec


def _takes_numbers(id_type: Any) -> bool:
    """True when the id's JSON Schema (as ``/openapi.json`` shows it) allows an integer."""
    schema = TypeAdapter(id_type).json_schema()
    kinds = schema.get("oneOf") or schema.get("anyOf") or [schema]
    return any(kind.get("type") == "integer" for kind in kinds)


async def _run(
    settings: Settings, planner: SourcePlanner, spec: SyncSpec, *, wait: bool, out: TextIO
) -> int:
    async with redis_client(settings.redis) as redis, db_pool(settings.database) as pool:
        job, created = await launch_sync(pool, redis, planner, spec, trigger=JobTrigger.MANUAL)
        print(f"job {job.id} {'opened' if created else 'already open'}", file=out, flush=True)
        if not wait:
            return 0
        final = await follow_job(pool, job.id, out)
    print(summary_line(final), file=out, flush=True)
    return 0 if final.status is JobStatus.SUCCEEDED else 1


async def follow_job(pool: aiomysql.Pool, job_id: uuid.UUID, out: TextIO) -> SyncJobRow:
    """Show progress until the job ends: a bar on a terminal, else a line now and then."""
    bar = tqdm(total=None, unit="page", file=out, dynamic_ncols=True) if out.isatty() else None
    last_line = 0.0
    try:
        while True:
            job = await get_job(pool, job_id)
            if job is None:
                raise InvalidRequest(f"job {job_id} has disappeared")
            if bar is not None:
                bar.total = job.pages_total
                bar.n = job.pages_done
                bar.set_postfix_str(_counts(job), refresh=True)
            elif time.monotonic() - last_line >= PLAIN_EVERY_S or not job.status.is_open:
                print(f"progress: {progress_text(job)}", file=out, flush=True)
                last_line = time.monotonic()
            if not job.status.is_open:
                return job
            await asyncio.sleep(POLL_S)
    finally:
        if bar is not None:
            bar.close()


def progress_text(job: SyncJobRow) -> str:
    """``pages 3/8, items 30 (created 30, ...)``: where a job stands."""
    total = "?" if job.pages_total is None else str(job.pages_total)
    return f"pages {job.pages_done}/{total}, items {job.items_seen} ({_counts(job)})"


def summary_line(job: SyncJobRow) -> str:
    """The one line printed when a job has ended."""
    took = ""
    if job.finished_at is not None:
        took = f" in {(job.finished_at - job.started_at).total_seconds():.1f}s"
    error = f"; error: {job.error}" if job.error else ""
    return f"job {job.id} {job.status.value}: {progress_text(job)}{took}{error}"


def _counts(job: SyncJobRow) -> str:
    return (
        f"created {job.items_created}, updated {job.items_updated}, "
        f"unchanged {job.items_unchanged}, failed {job.items_failed}"
    )
