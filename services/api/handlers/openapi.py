"""``GET /openapi.json``: the spec built from the route table when the app was made."""

from __future__ import annotations

from aiohttp import web

from services.api.keys import OPENAPI
from services.api.responses import raw_json_response


async def openapi_spec(request: web.Request) -> web.Response:
    """The OpenAPI 3.1 document of this API."""
    return raw_json_response(request.app[OPENAPI])
