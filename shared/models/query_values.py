"""Query-string values of the HTTP API: each type says how its text is read.

pydantic alone is lax where a query should be strict (it takes " 5", "yes" and
Unix seconds); these types take what the description says and nothing else.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from pydantic import BeforeValidator, Field

from shared.models.spec import MAX_OFFSET

_QUERY_DIGITS = re.compile(r"[0-9]{1,10}")  # MAX_OFFSET has 10 digits
# RFC 3339's date-time; fractions past microseconds are cut, not rounded.
_QUERY_TIME = re.compile(
    r"([0-9]{4})-([0-9]{2}-[0-9]{2})[Tt ]([0-9]{2}:[0-9]{2}:[0-9]{2})(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
# MySQL's DATETIME range: a time outside it is taken as its nearest end.
_EARLIEST = datetime(1000, 1, 1, tzinfo=UTC)
_LATEST = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
_QUERY_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def _query_integer(value: object) -> object:
    # int() takes " 5", "+5", "1_0" and other scripts' digits; a query takes ASCII digits.
    if isinstance(value, str) and _QUERY_DIGITS.fullmatch(value) is None:
        raise ValueError("must be a whole number in ASCII digits")
    return value


def _query_boolean(value: object) -> object:
    if isinstance(value, str) and value not in ("true", "false"):
        raise ValueError("must be true or false")
    return value


QueryBool = Annotated[bool, BeforeValidator(_query_boolean)]


def _query_time(value: object) -> object:
    # pydantic also takes Unix seconds and dates; a query takes an RFC 3339 date-time.
    if not isinstance(value, str):
        return value
    match = _QUERY_TIME.fullmatch(value)
    if match is None:
        raise ValueError("must be an RFC 3339 time with an offset, e.g. 2026-01-01T00:00:00Z")
    year, month_day, clock, fraction, offset = match.groups()
    if year == "0000":
        return _EARLIEST
    seconds = "59" if clock.endswith(":60") else clock[-2:]  # a leap second: its second's start
    text = f"{year}-{month_day}T{clock[:-2]}{seconds}{(fraction or '')[:7]}{offset.upper()}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:  # 02-30 and the like
        raise ValueError("not a valid time") from exc
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # past year 1 or 9999 once in UTC
        return _EARLIEST if moment.year < 5000 else _LATEST
    return min(max(moment, _EARLIEST), _LATEST)


def _query_uuid(value: object) -> object:
    if isinstance(value, str) and _QUERY_UUID.fullmatch(value) is None:
        raise ValueError("must be a job id (a hyphenated UUID)")
    return value


def _query_text(value: object) -> object:
    # A percent-escape of bad UTF-8 decodes to lone surrogates, which MySQL cannot take.
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError as exc:
            raise ValueError("must be valid UTF-8") from exc
    return value


QueryText = Annotated[str, BeforeValidator(_query_text)]
QueryTime = Annotated[datetime, BeforeValidator(_query_time)]
QueryUuid = Annotated[UUID, BeforeValidator(_query_uuid)]


QueryOffset = Annotated[int, Field(ge=0, le=MAX_OFFSET), BeforeValidator(_query_integer)]
QueryLimit = Annotated[int, Field(ge=1, le=100), BeforeValidator(_query_integer)]
