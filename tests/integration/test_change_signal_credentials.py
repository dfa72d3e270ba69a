"""The change signal's request carries the source's credentials to its own API only.

Two real HTTP servers: the source's API, and another host. A signal under ``base_url``
is asked with the source's headers and its auth's query key, as every other request;
a signal ``url`` on another host is asked with neither, so no credential leaves the API.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import aiomysql
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from redis.asyncio import Redis

from shared.config import Settings
from shared.models.commands import PageCommand, marked_conditional
from shared.models.spec import SyncSpec
from shared.sources.declared import parse_definition
from shared.sources.declared.planner import DeclaredPlanner
from shared.sources.registry import build_declared_fetcher

KEY = "qk-7f3a90c2"
TOKEN = "hdr-5d21be84"  # sent in a header


@dataclass
class Seen:
    """What one server was asked: each request's path, query and headers."""

    requests: list[tuple[str, dict[str, str], dict[str, str]]] = field(default_factory=list)

    def of(self, path: str) -> list[tuple[dict[str, str], dict[str, str]]]:
        return [(query, headers) for seen, query, headers in self.requests if seen == path]


async def _server(seen: Seen) -> TestServer:
    async def answer(request: web.Request) -> web.Response:
        seen.requests.append((request.path, dict(request.query), dict(request.headers)))
        if request.path == "/items":
            return web.json_response({"count": 1, "results": [{"id": 1, "name": "one"}]})
        return web.json_response({"hash": "h-1"})

    app = web.Application()
    app.router.add_get("/{tail:.*}", answer)
    server = TestServer(app)
    await server.start_server()
    return server


@pytest.fixture
async def servers() -> AsyncIterator[tuple[Seen, str, Seen, str]]:
    """The source's API and another host, each recording what it was asked."""
    own, other = Seen(), Seen()
    own_server, other_server = await _server(own), await _server(other)
    yield (
        own,
        str(own_server.make_url("")).rstrip("/"),
        other,
        str(other_server.make_url("")).rstrip("/"),
    )
    await own_server.close()
    await other_server.close()


def _definition(base: str, signal: str) -> str:
    return f"""\
name: signalled
base_url: {base}
headers: {{X-Team-Token: {TOKEN}}}
auth: {{type: api_key, in: query, name: key, value: {KEY}}}
conditional: true
change_signal: {signal}
list:
  path: /items
  paginator: {{type: offset, limit: 20, total: count}}
  records: results
  id: id
  name: name
"""


async def _first_page(
    definition_text: str, settings: Settings, redis: Redis, pool: aiomysql.Pool
) -> None:
    """Fetch the first page of a complete list job: the one that reads the signal."""
    definition = parse_definition(definition_text, file=Path("signalled.yaml"), env={})
    planned = DeclaredPlanner(definition).plan(SyncSpec(source="signalled"))
    command = marked_conditional(planned, force_sync=False)[0]
    assert isinstance(command, PageCommand)
    async with aiohttp.ClientSession() as session:
        fetcher = build_declared_fetcher(definition, settings, session, redis, pool)
        page = await fetcher.fetch(command)
    assert page.change_signal == "h-1"  # the signal was read, and read right


async def test_a_signal_on_the_sources_api_is_asked_with_its_credentials(
    servers: tuple[Seen, str, Seen, str], settings: Settings, redis: Redis, pool: aiomysql.Pool
) -> None:
    own, base, _, _ = servers
    await _first_page(_definition(base, "{path: /meta, field: hash}"), settings, redis, pool)
    [(query, headers)] = own.of("/meta")
    assert query == {"key": KEY}
    assert headers.get("X-Team-Token") == TOKEN


async def test_a_signal_on_another_host_gets_no_credential(
    servers: tuple[Seen, str, Seen, str], settings: Settings, redis: Redis, pool: aiomysql.Pool
) -> None:
    own, base, other, elsewhere = servers
    signal = f"{{url: '{elsewhere}/signal', field: hash}}"
    await _first_page(_definition(base, signal), settings, redis, pool)
    [(query, headers)] = other.of("/signal")
    assert query == {}
    assert "X-Team-Token" not in headers
    assert not any(KEY in value or TOKEN in value for value in headers.values())
    [(list_query, list_headers)] = own.of("/items")  # the list itself still carries them
    assert list_query["key"] == KEY
    assert list_headers.get("X-Team-Token") == TOKEN
