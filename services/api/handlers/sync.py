"""``POST /sync``: open a job (or find the identical open one) and publish its commands."""

from __future__ import annotations

import uuid

import structlog
from aiohttp import web
from pydantic import ValidationError

from services.api.auth import admit_writer
from services.api.keys import DB, HTTP_MODELS, REDIS, SETTINGS, SOURCES
from services.api.responses import json_response
from shared.errors import InvalidRequest
from shared.launch import launch_sync
from shared.models.http import UNKNOWN_KIND, SyncAccepted
from shared.models.jobs import JobTrigger

log = structlog.get_logger()


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
        if errors and errors[0]["type"] == UNKNOWN_KIND and isinstance(errors[0]["input"], dict):
            raise InvalidRequest(errors[0]["msg"], field="operation") from None
        raise
    source = request.app[SOURCES].get(body.api_source)
    if source is None:
        raise InvalidRequest(f"source {body.api_source!r} is not enabled", field="api_source")
    trace_id = uuid.uuid4().hex
    job, created = await launch_sync(
        pool=request.app[DB],
        redis=request.app[REDIS],
        source=source,
        operation=body.operation,
        params=body.plan_params(),
        force_sync=body.force_sync,
        trigger=JobTrigger.MANUAL,
        trace_id=trace_id,
    )
    log.info(
        "sync.requested",
        job_id=str(job.id),
        trace_id=job.trace_id,
        source=job.source,
        created=created,
    )
    answer = SyncAccepted(
        job_id=job.id,
        status=job.status,
        deduplicated=not created,
        links={"self": f"/jobs/{job.id}", "items": f"/items?api_source={job.source}"},
    )
    return json_response(answer, status=202 if created else 200)
