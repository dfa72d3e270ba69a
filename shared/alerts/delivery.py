"""POSTing one alert to one webhook, retried with backoff by the one retry module."""

from __future__ import annotations

import aiohttp
import structlog

from shared.alerts.payload import AlertOut
from shared.resilience.retry import WebhookRefused, webhook_attempts

log = structlog.get_logger()


async def deliver(
    session: aiohttp.ClientSession, url: str, alert: AlertOut, *, timeout_s: float, attempts: int
) -> bool:
    """True once the webhook accepted the alert (2xx); False when it refused or stayed down.

    5xx, 429, timeouts and connection errors are retried; any other answer is final.
    The URL is never logged: a webhook URL carries its own credential.
    """
    body = alert.model_dump_json().encode()
    headers = {"Content-Type": "application/json"}
    try:
        async for attempt in webhook_attempts(attempts):
            with attempt:
                status = await _post(session, url, body, headers, timeout_s)
                if status >= 500 or status == 429:
                    raise WebhookRefused(f"answered {status}")
    except WebhookRefused as exc:
        log.error("alert.undelivered", event_id=alert.event_id, kind=alert.kind, error=str(exc))
        return False
    if status >= 300:
        log.error("alert.refused", event_id=alert.event_id, kind=alert.kind, status=status)
        return False
    return True


async def _post(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout_s: float,
) -> int:
    try:
        async with session.post(
            url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout_s)
        ) as answer:
            return answer.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise WebhookRefused(type(exc).__name__) from None
