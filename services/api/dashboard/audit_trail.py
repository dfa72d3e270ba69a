"""``GET /audit``: the audit trail, newest first; it names clients, so it needs the token."""

from __future__ import annotations

from aiohttp import web

from services.api.auth import admit_writer
from services.api.keys import DB, REDIS, SETTINGS
from services.api.query import parse_query
from services.api.responses import json_response
from shared.db.audit import list_audit
from shared.models.dashboard import AuditPage, AuditQuery


async def get_audit(request: web.Request) -> web.Response:
    """One page of recorded writes."""
    await admit_writer(request, request.app[REDIS], request.app[SETTINGS].api, counts_as_sync=False)
    query = parse_query(request, AuditQuery)
    entries, total = await list_audit(request.app[DB], limit=query.limit, offset=query.offset)
    return json_response(
        AuditPage(entries=entries, total=total, limit=query.limit, offset=query.offset)
    )
