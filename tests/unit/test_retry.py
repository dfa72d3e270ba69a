"""The retry policy's classification and the ``Retry-After`` parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from shared.errors import (
    InvalidMessage,
    PermanentUpstreamError,
    TransientUpstreamError,
)
from shared.resilience.retry import MAX_RETRY_AFTER_S, retry_delay
from shared.sources.http import parse_retry_after

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def test_transient_error_is_retried_with_backoff() -> None:
    """A transient error without a hint is retried with the policy's own backoff."""
    assert retry_delay(TransientUpstreamError("pokemon list: HTTP 503")) is True


@pytest.mark.parametrize(
    ("retry_after_s", "expected"),
    [
        (3.0, 3.0),
        (0.25, 0.25),
        (MAX_RETRY_AFTER_S, MAX_RETRY_AFTER_S),
        (MAX_RETRY_AFTER_S + 1, MAX_RETRY_AFTER_S),
        (3600.0, MAX_RETRY_AFTER_S),
        (float("inf"), MAX_RETRY_AFTER_S),
    ],
)
def test_retry_after_hint_is_honoured_up_to_the_cap(retry_after_s: float, expected: float) -> None:
    """A transient error's Retry-After becomes the wait, capped at MAX_RETRY_AFTER_S."""
    exc = TransientUpstreamError("pokemon list: HTTP 429", retry_after_s=retry_after_s)
    delay = retry_delay(exc)
    assert delay is not True
    assert delay == expected


@pytest.mark.parametrize("retry_after_s", [0.0, -1.0, -3600.0])
def test_non_positive_retry_after_means_plain_backoff(retry_after_s: float) -> None:
    """A zero or negative hint is no hint: the error is retried with the normal backoff."""
    exc = TransientUpstreamError("pokemon list: HTTP 429", retry_after_s=retry_after_s)
    assert retry_delay(exc) is True


@pytest.mark.parametrize(
    "exc",
    [
        PermanentUpstreamError("pokemon detail 9999: HTTP 404", status=404),
        PermanentUpstreamError("pokemon list: HTTP 401", status=401),
        InvalidMessage("bad body"),
        ValueError("boom"),
        KeyError("results"),
        TimeoutError(),
        ConnectionError(),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_other_errors_are_not_retried(exc: Exception) -> None:
    """Only TransientUpstreamError is retried; everything else fails at once."""
    assert retry_delay(exc) is False


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("3", 3.0),
        (" 3 ", 3.0),
        ("120", 120.0),
        ("1.5", 1.5),
        ("86400", 86400.0),
    ],
)
def test_retry_after_seconds(header: str, seconds: float) -> None:
    """A Retry-After in seconds is returned as a float."""
    assert parse_retry_after(header, now=NOW) == seconds


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("Wed, 01 May 2024 12:00:30 GMT", 30.0),
        ("Wed, 01 May 2024 12:02:00 +0000", 120.0),
        ("Wed, 01 May 2024 14:00:10 +0200", 10.0),
        (format_datetime(NOW + timedelta(seconds=45), usegmt=True), 45.0),
    ],
)
def test_retry_after_http_date_in_the_future(header: str, seconds: float) -> None:
    """A Retry-After HTTP date becomes the seconds from ``now`` until then."""
    assert parse_retry_after(header, now=NOW) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("Wed, 01 May 2024 11:59:00 GMT", id="date-in-the-past"),
        pytest.param("Wed, 01 May 2024 12:00:00 GMT", id="date-is-now"),
        pytest.param("0", id="zero"),
        pytest.param("0.0", id="zero-float"),
        pytest.param("-5", id="negative"),
        pytest.param("soon", id="garbage"),
        pytest.param("3s", id="seconds-with-unit"),
        pytest.param("Someday, 99 Foo 2024", id="bad-date"),
        pytest.param("nan", id="nan"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param(None, id="absent"),
    ],
)
def test_unusable_retry_after_is_none(header: str | None) -> None:
    """A Retry-After that gives no positive wait is no hint at all."""
    assert parse_retry_after(header, now=NOW) is None


def test_retry_after_date_defaults_to_the_current_time() -> None:
    """Without ``now``, an HTTP date is measured from the real current time."""
    future = datetime.now(UTC) + timedelta(hours=1)
    seconds = parse_retry_after(format_datetime(future, usegmt=True))
    assert seconds is not None
    assert 3590 < seconds <= 3600
