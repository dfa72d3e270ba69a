"""Who may change state: a bearer token compared in constant time, behind per-address limits."""

from __future__ import annotations

import hmac

from aiohttp import web
from redis.asyncio import Redis

from services.api.client_address import client_address
from services.api.ratelimit import ensure_not_limited, hit
from shared.config import ApiSettings

SYNC_SCOPE = "sync"
AUTH_FAILURE_SCOPE = "auth-failures"


async def admit_writer(
    request: web.Request, redis: Redis, settings: ApiSettings, *, counts_as_sync: bool = True
) -> None:
    """Count the request against its address's limits, then authenticate it.

    Every state-changing route comes through here; ``counts_as_sync`` adds the
    ``POST /sync`` rate limit to the failed-authentication one.

    Both limits key on the address, never on the token presented: a guesser who
    sends a new token each time still spends one window. Failed authentications
    have a stricter window of their own; past it, the address gets 429 even with
    the right token until the window ends.
    """
    client = f"addr:{client_address(request, settings.trusted_proxy_networks)}"
    failures = settings.auth_failure_limit
    if failures is not None:
        await ensure_not_limited(redis, AUTH_FAILURE_SCOPE, client, failures)
    if counts_as_sync and settings.sync_rate_limit is not None:
        await hit(redis, SYNC_SCOPE, client, settings.sync_rate_limit)
    try:
        require_writer(request, settings)
    except (web.HTTPUnauthorized, web.HTTPForbidden):
        if failures is not None and settings.token is not None:  # a wrong or missing token
            await hit(redis, AUTH_FAILURE_SCOPE, client, failures)
        raise


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
            "send the API_TOKEN the api runs with as the bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    # Bytes, not str: compare_digest refuses non-ASCII str, and a header may carry anything.
    expected = settings.token.get_secret_value().encode("utf-8", "surrogatepass")
    if not hmac.compare_digest(presented.strip().encode("utf-8", "surrogatepass"), expected):
        raise web.HTTPForbidden(reason="the bearer token is not valid")
