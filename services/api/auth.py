"""Who may change state: a bearer token compared in constant time."""

from __future__ import annotations

import hmac

from aiohttp import web

from shared.config import ApiSettings


def require_writer(request: web.Request, settings: ApiSettings) -> None:
    """Raise 401/403 unless the request may change state."""
    if settings.token is None:
        if settings.allow_anonymous_writes:
            return
        raise web.HTTPForbidden(reason="writes are disabled: set API_TOKEN")
    header = request.headers.get("Authorization", "")
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer":
        raise web.HTTPUnauthorized(
            reason="a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    if not presented.strip():
        # Usually a shell variable that was never set: `-H "Authorization: Bearer $API_TOKEN"`.
        raise web.HTTPUnauthorized(
            reason="the bearer token is empty (an unset shell variable?): "
            "send 'Authorization: Bearer <token>' with the API_TOKEN the api runs with",
            headers={"WWW-Authenticate": "Bearer"},
        )
    # Bytes, not str: compare_digest refuses non-ASCII str, and a header may carry anything.
    expected = settings.token.get_secret_value().encode("utf-8", "surrogatepass")
    if not hmac.compare_digest(presented.strip().encode("utf-8", "surrogatepass"), expected):
        raise web.HTTPForbidden(reason="the bearer token is not valid")
