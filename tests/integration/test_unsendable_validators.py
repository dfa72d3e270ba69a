"""An upstream whose ETag or Last-Modified holds a control character: the HTTP client
would refuse to send it back, so it is never kept, and a list page answered with one
syncs again and again. The upstream is a raw socket server: aiohttp's own refuses to
send such headers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import aiomysql
import pytest
from redis.asyncio import Redis

from shared.config import Settings
from shared.models.commands import PageCommand, marked_conditional
from shared.models.spec import SyncSpec
from shared.sources.declared import parse_definition
from shared.sources.declared.planner import DeclaredPlanner
from shared.sources.registry import build_declared_fetcher

BODY = b'[{"id": 1, "name": "one"}, {"id": 2, "name": "two"}]'
DEFINITION = """\
name: rawapi
base_url: BASE
conditional: true
list:
  path: /things
  paginator: {type: single}
  records: $
  id: id
  name: name
"""


@dataclass
class RawUpstream:
    """Answers every request with ``BODY`` and the given raw header lines."""

    headers: bytes
    asked_with: list[bytes] = field(default_factory=list)  # each request's head

    async def answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:  # a client that gave up before asking
            writer.close()
            await writer.wait_closed()
            return
        self.asked_with.append(head)
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
            + self.headers
            + b"Content-Length: %d\r\n\r\n" % len(BODY)
            + BODY
        )
        await writer.drain()
        writer.close()
        await writer.wait_closed()


@pytest.fixture(
    params=[b'ETag: "v1\x01"\r\n', b"Last-Modified: Mon, 01 Jan 2024 00:00:00 GMT\x7f\r\n"],
    ids=["etag", "last-modified"],
)
async def upstream(request: pytest.FixtureRequest) -> AsyncIterator[tuple[RawUpstream, str]]:
    raw = RawUpstream(headers=request.param)
    server = await asyncio.start_server(raw.answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield raw, f"http://127.0.0.1:{port}"
    server.close()
    await server.wait_closed()


async def test_a_list_page_with_an_unsendable_validator_syncs_every_time(
    upstream: tuple[RawUpstream, str], pool: aiomysql.Pool, redis: Redis, settings: Settings
) -> None:
    raw, base = upstream
    definition = parse_definition(
        DEFINITION.replace("BASE", base), file=Path("rawapi.yaml"), env={}
    )
    async with aiohttp.ClientSession() as session:
        fetcher = build_declared_fetcher(definition, settings, session, redis, pool)
        for _ in range(2):
            planned = DeclaredPlanner(definition).plan(SyncSpec(source="rawapi"))
            (command,) = marked_conditional(planned, force_sync=False)
            assert isinstance(command, PageCommand)
            page = await fetcher.fetch(command)
            if page.saving is not None:
                await page.saving
            assert not page.failed, page.failed
            assert [item.external_id for item in page.items] == ["1", "2"]
    assert len(raw.asked_with) == 2
    assert not any(b"If-" in head for head in raw.asked_with)
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT COUNT(*) FROM list_answers")
        assert await cur.fetchone() == (0,)
        await conn.commit()
