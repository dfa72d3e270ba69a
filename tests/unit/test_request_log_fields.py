"""Every log line written while the API handles a request names that request."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.api.middleware import request_context
from shared.observability.log_sink import LineSink
from shared.observability.logging import bind_request_fields, configure_logging


@pytest.fixture
def log_path(tmp_path: Path) -> Iterator[Path]:
    """Logging configured as the API does it, into a file."""
    path = tmp_path / "api.log"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    configure_logging(service="api", fmt="json", sink=LineSink(fd))
    yield path
    os.close(fd)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def _logs_inside(request: web.Request) -> web.Response:
    structlog.get_logger().warning("inside", item=request.match_info["id"])
    return web.Response(text="ok")


async def test_each_line_carries_its_own_requests_id_method_and_path(log_path: Path) -> None:
    """Two requests on one kept-alive connection: the second's lines never name the first."""
    app = web.Application(middlewares=[request_context])
    app.router.add_get("/things/{id}", _logs_inside)
    app.router.add_post("/things/{id}", _logs_inside)
    async with TestClient(TestServer(app)) as client:
        first = await client.get("/things/1", headers={"X-Request-ID": "req-one"})
        second = await client.post("/things/2?secret=x")
    assert (first.status, second.status) == (200, 200)
    assert first.headers["X-Request-ID"] == "req-one"
    inside = [line for line in _lines(log_path) if line["event"] == "inside"]
    assert [(line["item"], line["method"], line["path"]) for line in inside] == [
        ("1", "GET", "/things/1"),
        ("2", "POST", "/things/2"),  # the path without its query
    ]
    assert inside[0]["request_id"] == "req-one"
    assert inside[1]["request_id"] == second.headers["X-Request-ID"] != "req-one"
    assert {line["service"] for line in inside} == {"api"}


def test_a_field_the_line_names_itself_wins(log_path: Path) -> None:
    """What a call logs is kept; the request's fields only fill in what it did not say."""
    bind_request_fields(request_id="abc", method="GET", path="/items/1")
    structlog.get_logger().warning("own", path="/other")
    bind_request_fields()  # nothing bound any more
    structlog.get_logger().warning("after")
    own, after = _lines(log_path)
    assert (own["request_id"], own["path"]) == ("abc", "/other")
    assert "request_id" not in after
