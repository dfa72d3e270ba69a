"""One upstream GET, classified into transient and permanent errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache

import aiohttp
from prometheus_client import Counter

from shared.errors import PermanentUpstreamError, TransientUpstreamError
from shared.observability.metrics import UPSTREAM_REQUESTS
from shared.sources.documents import JsonDocument, parse_document
from shared.sources.validators import NOT_MODIFIED, NotModified, Validator

# What an error status means: retry | item_failed | job_failed | ignore (a source's table).
StatusActions = Callable[[int], str]


def default_action(status: int) -> str:
    """The meaning of an error status for a source without a table: 429 and 5xx are retried."""
    return "retry" if status == 429 or status >= 500 else "item_failed"


async def get_document(
    session: aiohttp.ClientSession,
    url: str,
    *,
    source: str,
    what: str,
    timeout_s: float,
    params: dict[str, str] | None = None,
    whole: bool = True,
    headers: dict[str, str] | None = None,
    actions: StatusActions | None = None,
) -> JsonDocument:
    """GET and parse JSON (see ``parse_document``). ``what`` names the call in errors
    (never the URL: it may hold a key).

    ``source`` labels the request in ``itemsync_upstream_requests_total``.
    """
    answer = await get_if_changed(
        session,
        url,
        source=source,
        what=what,
        timeout_s=timeout_s,
        params=params,
        whole=whole,
        validator=None,
        headers=headers,
        actions=actions,
    )
    return unconditional(answer, what=what)


def unconditional(answer: JsonDocument | NotModified, *, what: str) -> JsonDocument:
    """The document of an unconditional request's answer (which 304 never answers)."""
    if isinstance(answer, NotModified):  # only a conditional request may be answered 304
        raise PermanentUpstreamError(f"{what}: HTTP 304", status=304)
    return answer


async def get_if_changed(
    session: aiohttp.ClientSession,
    url: str,
    *,
    source: str,
    what: str,
    timeout_s: float,
    validator: Validator | None,
    params: dict[str, str] | None = None,
    whole: bool = True,
    headers: dict[str, str] | None = None,
    actions: StatusActions | None = None,
) -> JsonDocument | NotModified:
    """Like ``get_document``, sending ``validator`` as a condition: 304 is ``NotModified``.

    The document carries the validators the answer sent, for the next request.
    ``actions`` (the source's status table) decides what an error status means; the
    one place a status becomes a retry or a permanent error.
    """
    conditions = validator.condition_headers() if validator is not None else None
    if conditions:
        headers = {**headers, **conditions} if headers else conditions
    try:
        async with session.get(
            url,
            params=params,
            headers=headers or None,
            timeout=_timeout(timeout_s),
            allow_redirects=False,
        ) as response:
            body = await response.read()
            status = response.status
            answer_headers = response.headers
    except TimeoutError as exc:
        _counted(source, "timeout")
        raise TransientUpstreamError(f"{what}: timed out after {timeout_s:g}s") from exc
    except aiohttp.ClientError as exc:
        _counted(source, "error")
        raise TransientUpstreamError(f"{what}: {type(exc).__name__}") from exc
    _counted(source, str(status))
    link = None
    if "Link" in answer_headers:
        link = ", ".join(answer_headers.getall("Link")) or None
    if status == 304 and conditions:
        return NotModified(link=link) if link else NOT_MODIFIED
    if status >= 300:
        action = (actions or default_action)(status)
        if action == "retry":
            retry_after = parse_retry_after(answer_headers.get("Retry-After"))
            raise TransientUpstreamError(f"{what}: HTTP {status}", retry_after_s=retry_after)
        raise PermanentUpstreamError(f"{what}: HTTP {status}", status=status, action=action)
    document = parse_document(body, what=what, whole=whole)
    return replace(document, validator=Validator.from_headers(answer_headers), link=link)


@lru_cache(maxsize=64)
def _timeout(total_s: float) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(total=total_s)  # immutable: one per timeout, not per request


@lru_cache(maxsize=1024)
def _request_counter(source: str, outcome: str) -> Counter:
    # The labelled child, found once: ``labels()`` takes a lock and builds a key per call.
    return UPSTREAM_REQUESTS.labels(source, outcome)


def _counted(source: str, outcome: str) -> None:
    _request_counter(source, outcome).inc()


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or HTTP date); None when no usable hint."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    return seconds if seconds > 0 else None  # 0 or negative means no hint, not "at once"
