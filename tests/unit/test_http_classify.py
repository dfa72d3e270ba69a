"""One upstream GET, classified into transient and permanent errors."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest

from shared.errors import PermanentUpstreamError, TransientUpstreamError, UpstreamError
from shared.sources.http import get_document
from tests.unit.fake_upstream import FakeUpstream

URL = "http://upstream.test/data/2.5/weather"
QUERY = {"q": "London", "appid": "SECRET"}
ANY_URL = re.compile(r"^http://upstream\.test/.*$")


async def fetch(session: aiohttp.ClientSession) -> Any:
    """GET the test URL with a key in its query, as the OpenWeather source does; its value."""
    document = await get_document(
        session, URL, source="openweather", what="weather London", timeout_s=5, params=QUERY
    )
    return document.value


async def test_ok_json_is_parsed(session: aiohttp.ClientSession, upstream: FakeUpstream) -> None:
    """A 200 answer's JSON body is returned parsed."""
    upstream.get(ANY_URL, body=b'{"name": "London", "main": {"temp": 281.5}, "list": [1, 2]}')
    assert await fetch(session) == {"name": "London", "main": {"temp": 281.5}, "list": [1, 2]}


async def test_query_params_are_sent(
    session: aiohttp.ClientSession, upstream: FakeUpstream
) -> None:
    """The params are sent in the query string."""
    upstream.get(f"{URL}?q=London&appid=SECRET", payload={"ok": True})
    assert await fetch(session) == {"ok": True}


@pytest.mark.parametrize("status", [300, 301, 302, 400, 401, 403, 404, 410, 422])
async def test_client_errors_are_permanent(
    session: aiohttp.ClientSession, upstream: FakeUpstream, status: int
) -> None:
    """4xx (except 429) and redirects raise PermanentUpstreamError carrying the status."""
    upstream.get(ANY_URL, status=status, headers={"Location": "http://elsewhere.test/"})
    with pytest.raises(PermanentUpstreamError) as caught:
        await fetch(session)
    assert caught.value.status == status
    assert str(caught.value) == f"weather London: HTTP {status}"


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
async def test_server_errors_and_429_are_transient(
    session: aiohttp.ClientSession, upstream: FakeUpstream, status: int
) -> None:
    """5xx and 429 raise TransientUpstreamError with no hint when no Retry-After is sent."""
    upstream.get(ANY_URL, status=status)
    with pytest.raises(TransientUpstreamError) as caught:
        await fetch(session)
    assert caught.value.retry_after_s is None
    assert str(caught.value) == f"weather London: HTTP {status}"


@pytest.mark.parametrize(("status", "header"), [(429, "3"), (503, "3"), (429, " 3 ")])
async def test_retry_after_is_carried(
    session: aiohttp.ClientSession, upstream: FakeUpstream, status: int, header: str
) -> None:
    """A Retry-After header on a transient answer becomes ``retry_after_s``."""
    upstream.get(ANY_URL, status=status, headers={"Retry-After": header})
    with pytest.raises(TransientUpstreamError) as caught:
        await fetch(session)
    assert caught.value.retry_after_s == 3.0


@pytest.mark.parametrize(
    "body",
    [b"{broken", b"", b"<html>502 Bad Gateway</html>", b'{"name": "London"'],
    ids=["truncated", "empty", "html", "unterminated"],
)
async def test_broken_json_body_is_transient(
    session: aiohttp.ClientSession, upstream: FakeUpstream, body: bytes
) -> None:
    """A 200 whose body is not JSON raises TransientUpstreamError."""
    upstream.get(ANY_URL, body=body)
    with pytest.raises(TransientUpstreamError, match="weather London: response is not valid JSON"):
        await fetch(session)


@pytest.mark.parametrize(
    "exception",
    [
        aiohttp.ClientConnectionError(f"cannot connect to {URL}?appid=SECRET"),
        aiohttp.ServerDisconnectedError(),
        aiohttp.ClientPayloadError("incomplete body"),
        TimeoutError(),
    ],
    ids=lambda exc: type(exc).__name__,
)
async def test_connection_failures_and_timeouts_are_transient(
    session: aiohttp.ClientSession, upstream: FakeUpstream, exception: Exception
) -> None:
    """Connection errors and timeouts raise TransientUpstreamError naming the call."""
    upstream.get(ANY_URL, exception=exception)
    with pytest.raises(TransientUpstreamError, match=r"^weather London: ") as caught:
        await fetch(session)
    assert caught.value.retry_after_s is None
    assert caught.value.__cause__ is exception


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 404},
        {"status": 503},
        {"status": 429, "headers": {"Retry-After": "3"}},
        {"body": b"{broken"},
        {"exception": aiohttp.ClientConnectionError(f"{URL}?q=London&appid=SECRET")},
        {"exception": TimeoutError()},
    ],
    ids=["404", "503", "429", "bad-json", "connection", "timeout"],
)
async def test_errors_name_the_call_and_never_the_query(
    session: aiohttp.ClientSession, upstream: FakeUpstream, answer: dict[str, Any]
) -> None:
    """Error messages carry the ``what`` label and never the URL or its query (the API key)."""
    upstream.get(ANY_URL, **answer)
    with pytest.raises(UpstreamError) as caught:
        await fetch(session)
    message = str(caught.value)
    assert message.startswith("weather London: ")
    assert "SECRET" not in message
    assert "appid" not in message
    assert "upstream.test" not in message
