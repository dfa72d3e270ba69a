"""Middleware that counts upstream requests and injects the configured faults."""

from __future__ import annotations

import asyncio
import random

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

from harness.standin.state import GITHUB_KINDS, KINDS, STATE_KEY, Faults, StandinState

CONTROL_PREFIX = "/_standin/"
SERVER_ERRORS = (500, 503)
COUNTED_KINDS = frozenset(KINDS + GITHUB_KINDS)
# GitHub's secondary rate limit answer.
GITHUB_429 = (
    b'{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before '
    b'you try again.","documentation_url":"https://docs.github.com/rest/overview/'
    b'rate-limits-for-the-rest-api#about-secondary-rate-limits","status":"429"}'
)


def _plain(status: int, text: str) -> web.Response:
    return web.Response(status=status, text=text, content_type="text/plain", charset="utf-8")


def _server_error(
    request: web.Request, state: StandinState, status: int, text: str
) -> web.Response:
    if not state.faults.echo_request:
        return _plain(status, text)
    # As careless servers do: the error body repeats the request, query key and headers too.
    echo = {"error": text, "url": str(request.url), "headers": dict(request.headers)}
    return web.json_response(echo, status=status)


def _roll(rng: random.Random, rate: float) -> bool:
    # Draw only for active faults so switching one fault on does not reshuffle the others.
    return rate > 0 and rng.random() < rate


def _too_many_requests(state: StandinState, kind: str) -> web.Response:
    headers = {hdrs.RETRY_AFTER: str(state.faults.retry_after_s)}
    if kind == "weather" or kind in GITHUB_KINDS:
        body = state.weather.too_many_requests.body if kind == "weather" else GITHUB_429
        return web.Response(
            status=429,
            body=body,
            headers=headers,
            content_type="application/json",
            charset="utf-8",
        )
    response = _plain(429, "Too Many Requests")
    response.headers.update(headers)
    return response


def _truncated(response: web.StreamResponse, body: bytes) -> web.Response:
    # Any proper prefix of a JSON object or array is unparsable, so half the body will do.
    broken = web.Response(status=200, body=body[: len(body) // 2])
    broken.content_type = response.content_type
    if response.charset is not None:
        broken.charset = response.charset
    return broken


async def _answer(
    request: web.Request, handler: Handler, state: StandinState, kind: str
) -> web.StreamResponse:
    faults: Faults = state.faults
    if faults.down:
        return _server_error(request, state, 503, "Service Unavailable")
    if faults.latency_ms > 0:
        await asyncio.sleep(faults.latency_ms / 1000)
    if faults.fail_id and kind == "detail" and request.match_info.get("key") == str(faults.fail_id):
        return _server_error(request, state, 500, "Internal Server Error")
    rng = state.rng
    if _roll(rng, faults.hang_rate):
        await asyncio.sleep(faults.hang_s)
    if _roll(rng, faults.error_rate):
        status = rng.choice(SERVER_ERRORS)
        text = "Service Unavailable" if status == 503 else "Internal Server Error"
        return _server_error(request, state, status, text)
    if _roll(rng, faults.rate_429):
        return _too_many_requests(state, kind)
    response = await handler(request)
    if _roll(rng, faults.broken_json_rate) and response.status == 200:
        body = response.body if isinstance(response, web.Response) else None
        if isinstance(body, bytes):
            return _truncated(response, body)
    return response


@web.middleware
async def fault_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count and possibly disturb every request outside the ``/_standin/`` control API."""
    if request.path.startswith(CONTROL_PREFIX):
        return await handler(request)
    state = request.app[STATE_KEY]
    route_name = request.match_info.route.name
    kind = route_name if route_name in COUNTED_KINDS else "other"
    state.stats.record_request(kind, since="since" in request.query)
    try:
        response = await _answer(request, handler, state, kind)
    except web.HTTPException as exc:
        state.stats.record_status(exc.status)  # e.g. the router's 404 for an unknown path
        raise
    body = response.body if isinstance(response, web.Response) else None
    state.stats.record_status(response.status, len(body) if isinstance(body, bytes) else 0)
    return response
