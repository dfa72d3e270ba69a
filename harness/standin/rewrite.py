"""Turning the fixtures' relative resource links into the absolute links the live API sends."""

from __future__ import annotations

from aiohttp import web

API_PREFIX = "/api/v2/"


def origin_of(request: web.Request) -> str:
    """Return ``scheme://host[:port]`` as the client addressed this server."""
    # The Host header is what the client used, so links it gets back resolve to this same server.
    return f"{request.scheme}://{request.host}"


def absolutize(value: object, origin: str) -> object:
    """Return a copy of a JSON value with every string starting with ``/api/v2/`` prefixed."""
    # Walk the parsed value rather than editing text, so only whole string values are touched.
    if isinstance(value, str):
        return origin + value if value.startswith(API_PREFIX) else value
    if isinstance(value, dict):
        return {key: absolutize(item, origin) for key, item in value.items()}
    if isinstance(value, list):
        return [absolutize(item, origin) for item in value]
    return value
