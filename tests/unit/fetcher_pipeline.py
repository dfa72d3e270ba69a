"""A fetcher in the consumer loop's hands, over fakeredis and a fake PokeAPI, for its tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import aiohttp
import fakeredis
from redis.asyncio import Redis

from services.fetcher.main import command_consumer
from shared.config import Settings
from shared.models.commands import Command, CommandMessage, PageCommand
from shared.models.envelope import Envelope
from shared.models.pages import PageMessage
from shared.sources.registry import build_declared_fetcher
from shared.streams import names
from shared.streams.codec import StreamEntry, decode_command, decode_page, encode_command
from shared.streams.consumer import GroupReader
from shared.streams.dispatch import Dispatcher
from shared.streams.groups import ensure_groups
from shared.streams.publisher import publish
from tests.unit.declared_helpers import builtin
from tests.unit.fake_upstream import BASE_URL

POKEMON = "pokemon"
JOB_ID = UUID("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b")
TRACE_ID = "trace-45"
CREATED_AT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@dataclass
class Pipeline:
    """The fetcher under test and what it reads from and writes to."""

    redis: Redis
    reader: GroupReader
    dispatcher: Dispatcher[CommandMessage]
    stop: asyncio.Event

    async def dispatch(self, entries: list[StreamEntry]) -> None:
        """Hand entries read by the fetchers' consumer to the loop's dispatch, as the loop does."""
        await self.dispatcher.dispatch(entries, self.stop)


@asynccontextmanager
async def open_pipeline() -> AsyncIterator[Pipeline]:
    """A real fetcher over fakeredis with both groups, and the real PokeAPI source."""
    redis = fakeredis.FakeAsyncRedis(decode_responses=False)
    await ensure_groups(redis)
    reader = GroupReader(
        redis=redis,
        stream=names.COMMANDS,
        group=names.FETCHERS,
        consumer="fetcher-test",
        block_ms=1,
    )
    definition = builtin(POKEMON, {"POKEAPI_BASE_URL": BASE_URL, "POKEAPI_RATE_LIMIT": "0"})
    async with aiohttp.ClientSession() as session:
        source = build_declared_fetcher(definition, Settings(_env_file=None), session, redis)
        dispatcher = Dispatcher(reader, command_consumer({POKEMON: source}))
        yield Pipeline(redis=redis, reader=reader, dispatcher=dispatcher, stop=asyncio.Event())
    await redis.aclose()


def message(command: Command, source: str = POKEMON) -> CommandMessage:
    """A command of the test job."""
    envelope = Envelope(job_id=JOB_ID, source=source, trace_id=TRACE_ID, created_at=CREATED_AT)
    return CommandMessage(envelope=envelope, command=command)


async def send(pipeline: Pipeline, *commands: CommandMessage) -> list[bytes]:
    """Publish commands the way the API does, then read them as the fetcher's consumer."""
    for command in commands:
        await publish(pipeline.redis, names.COMMANDS, encode_command(command))
    entries = await pipeline.reader.read(10)
    assert len(entries) == len(commands)
    await pipeline.dispatch(entries)
    return [entry_id for entry_id, _ in entries]


async def pages(redis: Redis) -> list[PageMessage]:
    """Every page on ``itemsync:pages``, decoded."""
    entries: Any = await redis.xrange(names.PAGES)
    return [decode_page(fields) for _, fields in entries]


async def commands_after(redis: Redis, entry_id: bytes) -> list[CommandMessage]:
    """Commands added to ``itemsync:commands`` after ``entry_id``, decoded."""
    entries: Any = await redis.xrange(names.COMMANDS, min=f"({entry_id.decode()}")
    return [decode_command(fields) for _, fields in entries]


async def pending(redis: Redis) -> int:
    """Entries the fetchers group has not acknowledged."""
    summary: Any = await redis.xpending(names.COMMANDS, names.FETCHERS)
    return int(summary["pending"])


async def dead(redis: Redis) -> list[dict[str, str]]:
    """Every dead letter, as text."""
    entries: Any = await redis.xrange(names.DEAD)
    return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in entries]


def pokemon_page(offset: int, limit: int, *, fan_out: bool = False) -> PageCommand:
    """The built-in pokemon definition's list page at ``offset``, as planned or fanned out."""
    return PageCommand(
        url=f"{BASE_URL}/pokemon",
        params={"offset": str(offset), "limit": str(limit)},
        page=offset // limit + 1,
        fanned=offset > 0 and not fan_out,
        fan_out=fan_out,
    )
