"""The change signal: unchanged since a recent sweep ends the job; otherwise a sweep."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

import pymysql
import pytest

from shared.db.validators import LastSweep, ValidatorStore
from shared.errors import PermanentUpstreamError, TransientUpstreamError
from shared.sources.client import UpstreamClient
from shared.sources.conditional import Conditional, SignalReading
from shared.sources.documents import JsonDocument
from shared.sources.validators import Validator
from shared.values.clock import utc_now

DAY = timedelta(hours=24)


@dataclass
class FakeClient:
    """Answers the signal request with ``body``, or raises it when it is an error."""

    body: Any

    async def get_document(
        self, url: str, *, what: str, params: dict[str, str] | None = None
    ) -> JsonDocument:
        if isinstance(self.body, Exception):
            raise self.body
        return JsonDocument(value=self.body, text="{}", content_hash="0" * 64)


@dataclass
class FakeStore:
    """The last sweep is ``last``, or reading it raises ``last`` when it is an error."""

    last: LastSweep | Exception | None

    async def last_sweep(self, source: str) -> LastSweep | None:
        if isinstance(self.last, Exception):
            raise self.last
        return self.last


def _conditional(
    signal: Any, last: LastSweep | Exception | None, *, body: Any = None
) -> Conditional:
    """A source whose signal answer is ``{"hash": signal}``, or ``body`` when given."""
    return Conditional(
        source="pokemon",
        client=cast(UpstreamClient, FakeClient({"hash": signal} if body is None else body)),
        store=cast(ValidatorStore, FakeStore(last)),
        full_sweep_interval=DAY,
        list_answer_retention=7 * DAY,
    )


def _swept(signal: str, ago: timedelta) -> LastSweep:
    return LastSweep(change_signal=signal, started_at=utc_now() - ago)


async def test_unchanged_signal_after_a_recent_sweep_ends_the_job() -> None:
    reading = await _conditional("abc", _swept("abc", timedelta(hours=1))).read_signal(
        "http://x/meta/", "hash", may_skip=True, credentials=True
    )
    assert (reading.value, reading.unchanged) == ("abc", True)


async def test_changed_signal_triggers_a_sweep() -> None:
    reading = await _conditional("new", _swept("old", timedelta(hours=1))).read_signal(
        "http://x/meta/", "hash", may_skip=True, credentials=True
    )
    assert (reading.value, reading.unchanged) == ("new", False)


async def test_the_sweep_interval_forces_a_sweep_though_the_signal_is_unchanged() -> None:
    reading = await _conditional("abc", _swept("abc", DAY + timedelta(seconds=1))).read_signal(
        "http://x/meta/", "hash", may_skip=True, credentials=True
    )
    assert reading.unchanged is False


@pytest.mark.parametrize("last", [None, _swept("abc", timedelta(minutes=1))])
async def test_force_sync_or_no_sweep_yet_always_sweeps(last: LastSweep | None) -> None:
    conditional = _conditional("abc", last)
    forced = await conditional.read_signal(
        "http://x/meta/", "hash", may_skip=False, credentials=True
    )
    assert (forced.value, forced.unchanged) == ("abc", False)
    if last is None:
        first = await conditional.read_signal(
            "http://x/meta/", "hash", may_skip=True, credentials=True
        )
        assert first.unchanged is False


@pytest.mark.parametrize("signal", [None, "", True, {"nested": 1}])
async def test_an_unusable_signal_means_a_sweep(signal: Any) -> None:
    reading = await _conditional(signal, _swept("abc", timedelta(minutes=1))).read_signal(
        "http://x/meta/", "hash", may_skip=True, credentials=True
    )
    assert (reading.value, reading.unchanged) == (None, False)


RECENT = _swept("abc", timedelta(minutes=1))


@pytest.mark.parametrize(
    ("field", "body"),
    [
        ("hash", {"hash": "abc", "tag": None}),  # a top-level key, as before
        ("data.meta.hash", {"data": {"meta": {"hash": "abc"}}}),
        ("deploys.0.id", {"deploys": [{"id": "abc"}, {"id": "older"}]}),
        ("$", "abc"),  # the whole answer
    ],
)
async def test_the_signal_is_read_at_a_path_into_the_answer(field: str, body: Any) -> None:
    reading = await _conditional(None, RECENT, body=body).read_signal(
        "http://x/meta/", field, may_skip=True, credentials=True
    )
    assert (reading.value, reading.unchanged) == ("abc", True)


@pytest.mark.parametrize(
    ("field", "body"),
    [
        ("data.hash", {"data": "abc"}),  # the path goes through text
        ("data.hash", {"hash": "abc"}),  # absent
        ("data.hash", {"data.hash": "abc"}),  # a dotted key is not the path
        ("data.hash", {"data": {"hash": ["abc"]}}),  # not text or a number
        ("deploys.1.id", {"deploys": [{"id": "abc"}]}),  # no such index
        ("hash", ["abc"]),  # not an object
        ("$", {"hash": "abc"}),
        ("hash", PermanentUpstreamError("pokemon change signal: HTTP 404", status=404)),
        ("hash", PermanentUpstreamError("pokemon change signal: HTTP 401", action="job_failed")),
        ("hash", TransientUpstreamError("pokemon change signal: response is not valid JSON")),
    ],
)
async def test_a_signal_that_cannot_be_read_means_a_sweep(field: str, body: Any) -> None:
    reading = await _conditional(None, RECENT, body=body).read_signal(
        "http://x/meta/", field, may_skip=True, credentials=True
    )
    assert (reading.value, reading.unchanged) == (None, False)


def test_validators_become_condition_headers_and_are_read_from_answers() -> None:
    sent = Validator.from_headers({"ETag": 'W/"1f-abc"', "Last-Modified": "x" * 65})
    assert sent == Validator(etag='W/"1f-abc"', last_modified=None)
    assert sent.condition_headers() == {"If-None-Match": 'W/"1f-abc"'}
    assert Validator.from_headers({}) is None


def test_a_validator_that_cannot_be_sent_back_is_neither_kept_nor_sent() -> None:
    """Control characters pass an answer's parser but not a request's writer."""
    assert Validator.from_headers({"ETag": '"v1\x01"', "Last-Modified": "Mon\x7f"}) is None
    kept = Validator.from_headers({"ETag": '"v1\x01"', "Last-Modified": "Mon,\t1 Jan"})
    assert kept == Validator(etag=None, last_modified="Mon,\t1 Jan")
    stored_before = Validator(etag='"v1\x00"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    assert stored_before.condition_headers() == {
        "If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"
    }


@pytest.mark.parametrize(
    "down",
    [
        pymysql.err.OperationalError(2003, "Can't connect to MySQL server"),
        pymysql.err.OperationalError(2013, "Lost connection to MySQL server during query"),
        pymysql.err.OperationalError(1040, "Too many connections"),
        pymysql.err.InterfaceError(0, "Not connected"),
        ConnectionResetError(104, "Connection reset by peer"),
        TimeoutError(),
    ],
)
async def test_mysql_unreachable_means_a_sweep(down: Exception) -> None:
    reading = await _conditional("abc", down).read_signal(
        "http://x/meta/", "hash", may_skip=True, credentials=True
    )
    assert reading == SignalReading(value="abc", unchanged=False)


@pytest.mark.parametrize(
    "broken",
    [
        # pymysql raises the server's codes it does not map as OperationalError.
        pymysql.err.OperationalError(1054, "Unknown column 'change_signal' in 'field list'"),
        pymysql.err.OperationalError(1045, "Access denied for user 'item_sync'"),
        pymysql.err.ProgrammingError(1146, "Table 'item_sync.sync_jobs' doesn't exist"),
    ],
)
async def test_a_broken_statement_is_raised_not_taken_for_mysql_down(broken: Exception) -> None:
    with pytest.raises(type(broken)):
        await _conditional("abc", broken).read_signal(
            "http://x/meta/", "hash", may_skip=True, credentials=True
        )


@dataclass
class SilentStore:
    """A MySQL that takes the connection and never answers."""

    async def last_sweep(self, source: str) -> LastSweep | None:
        await asyncio.Event().wait()
        return None


async def test_mysql_that_never_answers_means_a_sweep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shared.sources.conditional.MYSQL_WAIT_S", 0.05)
    conditional = Conditional(
        source="pokemon",
        client=cast(UpstreamClient, FakeClient({"hash": "abc"})),
        store=cast(ValidatorStore, SilentStore()),
        full_sweep_interval=DAY,
        list_answer_retention=7 * DAY,
    )
    reading = await asyncio.wait_for(
        conditional.read_signal("http://x/meta/", "hash", may_skip=True, credentials=True),
        timeout=5,
    )
    assert reading == SignalReading(value="abc", unchanged=False)
