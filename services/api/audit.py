"""Recording state-changing requests in the audit trail, with who asked and from where."""

from __future__ import annotations

import structlog
from aiohttp import web

from services.api.keys import DB
from shared.db.audit import record_audit
from shared.values.clock import utc_now

log = structlog.get_logger()


def presented_token(request: web.Request) -> str | None:
    """The bearer token the request carries, if any (only ever hashed)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def audit(request: web.Request, action: str, target: str | None = None) -> None:
    """Record ``action`` on ``target``, after it was done.

    A trail that cannot be written is logged loudly but does not undo or fail the
    action the client already caused: the log line carries the same fields.
    """
    client = request.remote or "unknown"
    try:
        await record_audit(
            request.app[DB],
            at=utc_now(),
            action=action,
            client=client,
            token=presented_token(request),
            target=target,
        )
    except Exception as exc:
        log.error(
            "audit.unrecorded",
            action=action,
            client=client,
            target=target,
            error=f"{type(exc).__name__}: {exc}",
        )
