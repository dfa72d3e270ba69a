"""CORS for the origins in ``API_CORS_ORIGINS`` only; with none set, no CORS headers at all.

A small middleware rather than aiohttp-cors: it needs one allow-list for every
route, which is this function, while aiohttp-cors wraps each route one by one.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from services.api.keys import SETTINGS

ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type, X-Request-ID"
EXPOSED_HEADERS = "Retry-After, X-Request-ID"
PREFLIGHT_MAX_AGE_S = 600


@web.middleware
async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer preflights and mark answers readable for allowed origins; ignore all others."""
    allowed = request.app[SETTINGS].api.cors_allowed
    origin = request.headers.get("Origin")
    if not allowed or origin is None or not ("*" in allowed or origin in allowed):
        return await handler(request)
    preflight = request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers
    if preflight:
        response: web.StreamResponse = web.Response(status=204)
        response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_S)
    else:
        response = await handler(request)
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Vary"] = "Origin"
    return response
