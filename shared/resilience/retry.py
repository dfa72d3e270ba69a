"""The one retry policy for upstream calls, built on stamina from ``RetrySettings``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pymysql
import stamina

from shared.config import RetrySettings
from shared.errors import TransientUpstreamError

MAX_RETRY_AFTER_S = 60.0  # an upstream asking for longer gets retried later by redelivery


def retry_delay(exc: Exception) -> bool | float:
    """Backoff hook: retry transient errors, waiting ``Retry-After`` where one was given."""
    if not isinstance(exc, TransientUpstreamError):
        return False
    if exc.retry_after_s is not None and exc.retry_after_s > 0:
        return min(exc.retry_after_s, MAX_RETRY_AFTER_S)
    return True


def upstream_attempts(settings: RetrySettings) -> AsyncIterator[stamina.Attempt]:
    """Iterate attempts: ``async for attempt in upstream_attempts(s): with attempt: ...``."""
    attempts = stamina.retry_context(
        on=retry_delay,
        attempts=settings.max_retries + 1,
        timeout=None,  # each request has its own timeout; stamina checks only between tries
        wait_initial=0.1,
        wait_max=30.0,
        wait_jitter=1.0,
        wait_exp_base=settings.backoff_factor,
    )
    return attempts.__aiter__()


LOCK_CONFLICT_CODES = frozenset({1213, 1205})  # deadlock (rolled back), lock wait timeout


def is_lock_conflict(exc: Exception) -> bool:
    """True for MySQL errors that a fresh transaction can simply try again."""
    return (
        isinstance(exc, pymysql.err.OperationalError)
        and bool(exc.args)
        and (exc.args[0] in LOCK_CONFLICT_CODES)
    )


def lock_conflict_attempts(attempts: int = 8) -> AsyncIterator[stamina.Attempt]:
    """Iterate attempts of a whole transaction that may hit a deadlock or lock wait timeout."""
    return stamina.retry_context(
        on=is_lock_conflict,
        attempts=attempts,
        timeout=None,
        wait_initial=0.01,
        wait_max=1.0,
        wait_jitter=0.05,
    ).__aiter__()


# MySQL could not be reached or could not serve, whatever the statement: the client's
# "cannot connect / gone away / lost connection" errors and the server's own.
_CONNECTION_CODES = frozenset(
    {
        1040,  # too many connections
        1053,  # server shutdown in progress
        1152,  # aborted connection
        1158,  # network read error
        1159,  # network read timeout
        1160,  # network write error
        1161,  # network write timeout
        1317,  # query interrupted
        1927,  # connection killed (MariaDB)
        2002,  # cannot connect through the socket
        2003,  # cannot connect
        2005,  # unknown host
        2006,  # server has gone away
        2012,  # handshake error
        2013,  # lost connection during a query
        2026,  # TLS connection error
        2055,  # lost connection while reading
    }
)


def is_connection_error(exc: BaseException) -> bool:
    """True when MySQL could not be reached: wait and retry the same work, count nothing.

    pymysql raises OperationalError for most server errors, an unknown column too, so the
    code decides; InternalError is a broken packet sequence, OSError a socket or timeout.
    """
    if isinstance(exc, pymysql.err.InterfaceError | pymysql.err.InternalError | OSError):
        return True
    if isinstance(exc, pymysql.err.OperationalError) and exc.args:
        return exc.args[0] in _CONNECTION_CODES
    return False


class WebhookRefused(Exception):
    """A webhook answered 5xx or 429, or could not be reached: worth another try."""


def webhook_attempts(attempts: int = 5) -> AsyncIterator[stamina.Attempt]:
    """Iterate attempts of one alert POST: backoff from 0.5 s up to 30 s, with jitter."""
    return stamina.retry_context(
        on=WebhookRefused,
        attempts=attempts,
        timeout=None,  # each POST has its own timeout
        wait_initial=0.5,
        wait_max=30.0,
        wait_jitter=1.0,
    ).__aiter__()
