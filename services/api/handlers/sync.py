"""``POST /sync``: open a job (or find the identical open one) and publish its commands."""

from __future__ import annotations

import json

import structlog
from aiohttp import web
from pydantic import ValidationError
from redis.exceptions import RedisError

from services.api.audit import audit
from services.api.auth import admit_writer
from services.api.keys import DB, HTTP_MODELS, PLANNERS, REDIS, SETTINGS
from services.api.responses import json_response
from shared.db.jobs import get_job
from shared.errors import InvalidField, InvalidRequest
from shared.jobs.launch import launch_sync
from shared.models.http import UNKNOWN_KIND, SyncAccepted
from shared.models.jobs import JobTrigger, SyncJobRow
from shared.recovery import Redriver
from shared.recovery.redrive import ON_DEMAND_QUIET
from shared.sources.base import SourcePlanner
from shared.sources.registry import not_enabled_message

log = structlog.get_logger()

REDRIVE_LOCK_WAIT_S = 3.0  # a sweep under way elsewhere takes milliseconds


async def post_sync(request: web.Request) -> web.Response:
    """202 with the new job, or 200 with the identical job already open."""
    await admit_writer(request, request.app[REDIS], request.app[SETTINGS].api)
    raw = await request.read()
    if not raw.strip():
        raise InvalidRequest("the body must be a JSON object", field="body")
    try:
        body = request.app[HTTP_MODELS].sync_request.model_validate_json(raw).root
    except ValidationError as exc:
        errors = exc.errors()
        if errors and errors[0]["type"] == "json_invalid":
            raise InvalidRequest("the body is not valid JSON", field="body") from None
        _reject_disabled_source(raw, request.app[SETTINGS].api.sources)
        if errors and errors[0]["type"] == UNKNOWN_KIND and isinstance(errors[0]["input"], dict):
            raise InvalidRequest(errors[0]["msg"], field="operation") from None
        raise
    spec = body.spec()
    planner = request.app[PLANNERS].get(spec.source)
    if planner is None:  # validated against the enabled sources: only a mismatch lands here
        raise InvalidRequest(
            not_enabled_message(spec.source, request.app[SETTINGS].api.sources),
            field="api_source",
        )
    job, created = await launch_sync(
        request.app[DB], request.app[REDIS], planner, spec, trigger=JobTrigger.MANUAL
    )
    redriven = not created and await _redrive_if_abandoned(request, job)
    if not created and not redriven and not await _still_open(request, job):
        # No longer open: the check above ended it (only a dead letter was left of it),
        # or it ended meanwhile. A request is never answered with an ended job: a new one.
        job, created = await launch_sync(
            request.app[DB], request.app[REDIS], planner, spec, trigger=JobTrigger.MANUAL
        )
    log.info(
        "sync.requested",
        job_id=str(job.id),
        trace_id=job.trace_id,
        source=job.source,
        created=created,
        redriven=redriven,
    )
    await audit(request, "sync", f"{job.source} {spec.operation} job {job.id}")
    answer = SyncAccepted(
        job_id=job.id,
        status=job.status,
        deduplicated=not created,
        links={"self": f"/jobs/{job.id}", "items": f"/items?api_source={job.source}"},
    )
    return json_response(answer, status=202 if created else 200)


def _reject_disabled_source(raw: bytes, enabled: list[str]) -> None:
    """A sync of a source outside ``API_API_TYPE`` says which setting enables it."""
    try:
        sent = json.loads(raw)
    except ValueError:
        return
    source = sent.get("api_source") if isinstance(sent, dict) else None
    if isinstance(source, str) and source not in enabled:
        raise InvalidField(not_enabled_message(source, enabled), field="api_source")


async def _still_open(request: web.Request, job: SyncJobRow) -> bool:
    current = await get_job(request.app[DB], job.id)
    return current is not None and current.status.is_open


async def _redrive_if_abandoned(request: web.Request, job: SyncJobRow) -> bool:
    """Never hand a client a job nothing works on: re-drive the open job if it is stalled.

    Stalled here means nothing of it is queued or pending and no page landed in the
    last moments; the writers' periodic sweep waits ``WORKER_REDRIVE_AFTER`` instead.
    """
    planners: dict[str, SourcePlanner] = request.app[PLANNERS]
    redriver = Redriver(
        redis=request.app[REDIS],
        pool=request.app[DB],
        planners=planners,
        quiet=request.app[SETTINGS].worker.redrive_after,
        lock_wait_s=REDRIVE_LOCK_WAIT_S,
    )
    try:
        return bool(await redriver.sweep(job_id=job.id, quiet=ON_DEMAND_QUIET))
    except (RedisError, OSError) as exc:  # the job stays deduplicated; the sweep retries it
        log.warning("job.redrive_failed", job_id=str(job.id), error=f"{type(exc).__name__}: {exc}")
        return False
