"""Every log line written while the API handles a request names that request."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.api import middleware
from services.api.middleware import json_errors, request_context
from shared.observability.log_sink import LineSink
from shared.observability.logging import bind_request_fields, configure_logging

SECRET = "s3cr3t-key-0123456789"


@pytest.fixture
def log_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Logging configured as the API does it, into a file."""
    yield from _configured(tmp_path, monkeypatch, "info")


@pytest.fixture
def debug_log_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The same at ``LOG_LEVEL=debug``."""
    yield from _configured(tmp_path, monkeypatch, "debug")


def _configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, level: str) -> Iterator[Path]:
    # The middleware's logger is a fresh one for the test: structlog keeps a logger bound
    # to the sink and level it first wrote with, and this sink's file is closed at the end.
    monkeypatch.setattr(middleware, "log", structlog.get_logger())
    middleware._requests_logged.cache_clear()
    path = tmp_path / "api.log"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    configure_logging(service="api", level=level, fmt="json", secrets=[SECRET], sink=LineSink(fd))
    yield path
    middleware._requests_logged.cache_clear()
    os.close(fd)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def _logs_inside(request: web.Request) -> web.Response:
    structlog.get_logger().warning("inside", item=request.match_info["id"])
    logging.getLogger("aiohttp.test").warning("standard library")
    return web.Response(text="ok")


async def test_each_line_carries_its_own_requests_id_method_and_path(log_path: Path) -> None:
    """Two requests on one kept-alive connection: the second's lines never name the first.
    Standard-library records carry the fields too, masked as every line is."""
    app = web.Application(middlewares=[request_context, json_errors])
    app.router.add_get("/things/{id}", _logs_inside)
    app.router.add_post("/things/{id}", _logs_inside)
    long_id = "r" * 80
    async with TestClient(TestServer(app)) as client:
        first = await client.get("/things/1", headers={"X-Request-ID": long_id})
        second = await client.post(f"/things/{SECRET}?secret=x")
        missing = await client.get("/nothing/here")
    assert (first.status, second.status, missing.status) == (200, 200, 404)
    assert first.headers["X-Request-ID"] == long_id[:64]  # bounded, as on its lines
    assert missing.headers["X-Request-ID"]  # a 404 of no route is answered and timed too
    lines = _lines(log_path)
    inside = [line for line in lines if line["event"] == "inside"]
    assert [(line["item"], line["method"], line["path"]) for line in inside] == [
        ("1", "GET", "/things/1"),
        ("***", "POST", "/things/***"),  # the path without its query, its secret masked
    ]
    assert inside[0]["request_id"] == long_id[:64]
    assert inside[1]["request_id"] == second.headers["X-Request-ID"] != long_id[:64]
    standard = [line for line in lines if line["event"] == "standard library"]
    assert [line["request_id"] for line in standard] == [line["request_id"] for line in inside]
    assert {line["service"] for line in lines} == {"api"}
    assert SECRET not in json.dumps(lines)


def test_what_a_line_names_itself_wins(log_path: Path) -> None:
    """The request's fields only fill in what the call and the bound context did not say."""
    bind_request_fields(request_id="abc", method="GET", path="/items/1")
    with structlog.contextvars.bound_contextvars(method="POST"):
        structlog.get_logger().warning("own", path="/other")
    bind_request_fields()  # nothing bound any more
    structlog.get_logger().warning("after")
    own, after = _lines(log_path)
    assert (own["request_id"], own["method"], own["path"]) == ("abc", "POST", "/other")
    assert "request_id" not in after


@pytest.mark.parametrize("debug", [False, True])
async def test_the_request_line_is_written_only_at_debug(
    debug: bool, request: pytest.FixtureRequest
) -> None:
    path: Path = request.getfixturevalue("debug_log_path" if debug else "log_path")
    app = web.Application(middlewares=[request_context])
    app.router.add_get("/things/{id}", _logs_inside)
    async with TestClient(TestServer(app)) as client:
        await client.get("/things/2")
    logged = [line for line in _lines(path) if line["event"] == "http.request"]
    assert [(line["path"], line["status"]) for line in logged] == (
        [("/things/2", 200)] if debug else []
    )
