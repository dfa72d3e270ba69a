"""Middlewares: bind request context for logs; turn every error into JSON."""

from __future__ import annotations

import functools
import logging
import random
import time

import pymysql
import structlog
from aiohttp import web
from aiohttp.typedefs import Handler
from aiohttp.web_urldispatcher import AbstractResource
from prometheus_client import Histogram
from pydantic import ValidationError
from redis.exceptions import RedisError

from services.api.ratelimit import RateLimited
from services.api.responses import error_response
from shared.errors import InvalidField, InvalidRequest, NotFound
from shared.models.http import TAG_MARK, ErrorDetail
from shared.observability.logging import bind_request_fields
from shared.observability.metrics import HTTP_LATENCY

log = structlog.get_logger()

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Put ``request_id``, ``method`` and ``path`` on every log line of the request; time it."""
    request_id = (request.headers.get("X-Request-ID") or _new_request_id())[:64]
    bind_request_fields(request_id=request_id, method=request.method, path=request.path)
    started = time.perf_counter()
    response = await handler(request)
    response.headers["X-Request-ID"] = request_id
    elapsed_s = time.perf_counter() - started
    method = request.method if request.method in _KNOWN_METHODS else "OTHER"
    _latency_of(method, request.match_info.route.resource, response.status).observe(elapsed_s)
    if _requests_logged():
        log.debug("http.request", status=response.status, duration_ms=round(elapsed_s * 1000, 2))
    return response


@functools.cache
def _requests_logged() -> bool:
    # Asked once per process: even a filtered-out debug call, on every request, took a
    # tenth of a busy API's cached reads.
    return bool(log.is_enabled_for(logging.DEBUG))


_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@functools.lru_cache(maxsize=1024)  # methods, routes and statuses are bounded
def _latency_of(method: str, resource: AbstractResource | None, status: int) -> Histogram:
    # One histogram child per (method, route, status), found once: labels() on every
    # request costs more, and so does reading the route's pattern.
    route = resource.canonical if resource is not None else "unmatched"
    return HTTP_LATENCY.labels(method, route, str(status))


def _new_request_id() -> str:
    # Correlates log lines, nothing more: uuid4's os.urandom was a tenth of a cached read.
    return f"{random.getrandbits(64):016x}"


def _field_name(loc: tuple[int | str, ...]) -> str | None:
    # A union's tag (``@list``) says which kind was tried; the client named only fields.
    parts = [str(p) for p in loc if not (isinstance(p, str) and p.startswith(TAG_MARK))]
    return ".".join(parts) or None


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Map errors to JSON with the right status; nothing a client sends yields a 500."""
    try:
        return await handler(request)
    except ValidationError as exc:
        details = [
            ErrorDetail(field=_field_name(err["loc"]), message=err["msg"]) for err in exc.errors()
        ]
        return error_response(422, "validation_error", "the request is not valid", details)
    except InvalidField as exc:
        details = [ErrorDetail(field=exc.field, message=str(exc))]
        return error_response(422, "validation_error", str(exc), details)
    except InvalidRequest as exc:
        details = [ErrorDetail(field=exc.field, message=str(exc))]
        return error_response(400, "invalid_request", str(exc), details)
    except NotFound as exc:
        return error_response(404, "not_found", str(exc))
    except RateLimited as exc:
        headers = {"Retry-After": str(exc.retry_after_s)}
        return error_response(429, "too_many_requests", str(exc), headers=headers)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _STATUS_CODES.get(exc.status, "http_error")
        headers = {k: v for k, v in exc.headers.items() if k.lower() in ("allow", "retry-after")}
        return error_response(exc.status, code, exc.reason, headers=headers)
    except (RedisError, OSError, pymysql.err.OperationalError, pymysql.err.InterfaceError) as exc:
        log.warning("http.dependency_unavailable", error=f"{type(exc).__name__}: {exc}")
        return error_response(503, "unavailable", "a dependency is unavailable; try again")
