"""``GET /jobs`` and ``GET /jobs/{id}``: history and live progress."""

from __future__ import annotations

from aiohttp import web

from services.api.keys import DB, HTTP_MODELS
from services.api.path_ids import parse_job_id
from services.api.query import parse_query
from services.api.responses import json_response
from shared.db.item_errors import job_errors
from shared.db.jobs import get_job, list_jobs
from shared.errors import NotFound
from shared.models.http import JobsPage
from shared.models.jobs import JobDetailOut, JobErrorOut, JobOut
from shared.values.clock import utc_now

ERRORS_SHOWN = 100  # item errors listed in one job's answer; errors_total counts them all


async def get_jobs(request: web.Request) -> web.Response:
    """Jobs newest first, filtered by source and status, each with its progress."""
    query = parse_query(request, request.app[HTTP_MODELS].jobs_query)
    rows, total = await list_jobs(
        request.app[DB],
        source=query.source,
        status=query.status,
        limit=query.limit,
        offset=query.offset,
    )
    now = utc_now()
    jobs = [JobOut.from_row(row, now) for row in rows]
    return json_response(JobsPage(jobs=jobs, total=total, limit=query.limit, offset=query.offset))


async def get_job_by_id(request: web.Request) -> web.Response:
    """One job as a flat object with the ``sync_jobs`` fields, its progress and item errors."""
    job_id = parse_job_id(request.match_info["id"])
    row = await get_job(request.app[DB], job_id)
    if row is None:
        raise NotFound(f"no job with id {job_id}")
    errors, errors_total = await job_errors(request.app[DB], job_id, limit=ERRORS_SHOWN)
    job = JobOut.from_row(row, utc_now())
    detail = JobDetailOut(
        **job.model_dump(),
        errors=[JobErrorOut.model_validate(error.model_dump()) for error in errors],
        errors_total=errors_total,
    )
    return json_response(detail)
