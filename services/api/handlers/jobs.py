"""``GET /jobs`` and ``GET /jobs/{id}``: history and live progress."""

from __future__ import annotations

import uuid

from aiohttp import web

from services.api.keys import DB
from services.api.query import parse_query
from services.api.responses import json_response
from shared.db.jobs import get_job, list_jobs
from shared.errors import InvalidRequest, NotFound
from shared.models.http import JobsPage, JobsQuery


async def get_jobs(request: web.Request) -> web.Response:
    """Jobs newest first, filtered by source and status."""
    query = parse_query(request, JobsQuery)
    jobs, total = await list_jobs(
        request.app[DB],
        source=query.source,
        status=query.status,
        limit=query.limit,
        offset=query.offset,
    )
    return json_response(JobsPage(jobs=jobs, total=total, limit=query.limit, offset=query.offset))


async def get_job_by_id(request: web.Request) -> web.Response:
    """One job as a flat object with the ``sync_jobs`` fields."""
    try:
        job_id = uuid.UUID(request.match_info["id"])
    except ValueError:
        raise InvalidRequest("id must be a job id (a UUID)", field="id") from None
    job = await get_job(request.app[DB], job_id)
    if job is None:
        raise NotFound(f"no job with id {job_id}")
    return json_response(job)
