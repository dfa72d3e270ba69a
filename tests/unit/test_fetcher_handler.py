"""The fetcher's handler: one command in, one page and any fanned-out commands out."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import aiohttp
import fakeredis
import pytest
from redis.asyncio import Redis

from services.fetcher.handler import CommandFetcher
from shared.config import Settings
from shared.models.commands import (
    Command,
    CommandMessage,
    DetailCommand,
    PageCommand,
)
from shared.models.envelope import Envelope
from shared.models.pages import PageMessage
from shared.sources.registry import build_declared_fetcher
from shared.streams import names
from shared.streams.attempts import delivery_counts
from shared.streams.backpressure import BackpressureGate, StreamBudget
from shared.streams.codec import OutFields, decode_command, decode_page, encode_command
from shared.streams.consumer import GroupReader
from shared.streams.groups import ensure_groups
from shared.streams.publisher import publish
from tests.unit.declared_helpers import builtin
from tests.unit.fake_upstream import (
    BASE_URL,
    FakeUpstream,
    detail_json,
    detail_url,
    list_page,
    list_url,
    serve_details,
)

JOB_ID = UUID("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b")
TRACE_ID = "trace-45"
CREATED_AT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@dataclass
class Pipeline:
    """The fetcher under test and what it reads from and writes to."""

    redis: Redis
    reader: GroupReader
    fetcher: CommandFetcher


POKEMON = "pokemon"


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    """Fake PokeAPI answers; a request nobody registered fails as a connection error."""
    with FakeUpstream() as fake:
        yield fake


@pytest.fixture
async def pipeline() -> AsyncIterator[Pipeline]:
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
        fetcher = CommandFetcher(
            redis=redis, reader=reader, sources={POKEMON: source}, stop=asyncio.Event()
        )
        yield Pipeline(redis=redis, reader=reader, fetcher=fetcher)
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
    await pipeline.fetcher.handle(entries)
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


async def test_fan_out_list_emits_first_page_and_remaining_commands(
    pipeline: Pipeline, upstream: FakeUpstream
) -> None:
    """A fan-out list command yields page ``page:1`` and list commands for the other pages."""
    upstream.get(list_url(0, 20), payload=list_page(0, 20, count=45))
    serve_details(upstream, range(1, 21))

    [entry_id] = await send(pipeline, message(pokemon_page(offset=0, limit=20, fan_out=True)))

    [page] = await pages(pipeline.redis)
    assert page.page.page_key == "page:1"
    assert [item.external_id for item in page.page.items] == [str(i) for i in range(1, 21)]
    assert json.loads(page.page.items[0].payload) == detail_json(1)
    assert page.page.failed == []
    assert page.page.pages_total == 3
    assert page.page.total == 45
    assert (page.envelope.job_id, page.envelope.trace_id) == (JOB_ID, TRACE_ID)
    assert page.envelope.source == POKEMON

    follow_ups = await commands_after(pipeline.redis, entry_id)
    assert [f.command for f in follow_ups] == [
        pokemon_page(offset=20, limit=20, fan_out=False),
        pokemon_page(offset=40, limit=20, fan_out=False),
    ]
    assert {(f.envelope.job_id, f.envelope.trace_id, f.envelope.source) for f in follow_ups} == {
        (JOB_ID, TRACE_ID, POKEMON)
    }
    assert await pending(pipeline.redis) == 0


async def test_follow_up_commands_are_read_next(pipeline: Pipeline, upstream: FakeUpstream) -> None:
    """The fanned-out commands are new entries the fetchers group reads next."""
    upstream.get(list_url(0, 20), payload=list_page(0, 20, count=45))
    for i in range(1, 21):  # small bodies: this test is about the commands, not the items
        upstream.get(detail_url(i), payload={"id": i, "name": f"pokemon-{i}"})
    await send(pipeline, message(pokemon_page(offset=0, limit=20, fan_out=True)))

    entries = await pipeline.reader.read(10)

    assert [decode_command(fields).command for _, fields in entries] == [
        pokemon_page(offset=20, limit=20),
        pokemon_page(offset=40, limit=20),
    ]


async def test_later_list_page_does_not_fan_out(pipeline: Pipeline, upstream: FakeUpstream) -> None:
    """A list command without fan_out yields its page only, with no pages_total."""
    upstream.get(list_url(40, 20), payload=list_page(40, 20, count=45))
    serve_details(upstream, range(41, 46))

    [entry_id] = await send(pipeline, message(pokemon_page(offset=40, limit=20)))

    [page] = await pages(pipeline.redis)
    assert page.page.page_key == "page:3"
    assert [item.external_id for item in page.page.items] == ["41", "42", "43", "44", "45"]
    assert page.page.pages_total is None
    assert page.page.total == 45
    assert await commands_after(pipeline.redis, entry_id) == []
    assert await pending(pipeline.redis) == 0


async def test_detail_command_yields_one_page_and_no_follow_ups(
    pipeline: Pipeline, upstream: FakeUpstream
) -> None:
    """A detail command yields page ``detail:<id>`` with its one item and nothing else."""
    serve_details(upstream, [25])

    [entry_id] = await send(pipeline, message(DetailCommand(external_id="25")))

    [page] = await pages(pipeline.redis)
    assert page.page.page_key == "detail:25"
    assert [(i.external_id, i.name) for i in page.page.items] == [("25", "pikachu")]
    assert page.page.pages_total is None
    assert await commands_after(pipeline.redis, entry_id) == []
    assert await pending(pipeline.redis) == 0


async def test_missing_detail_is_a_page_with_a_failure(
    pipeline: Pipeline, upstream: FakeUpstream
) -> None:
    """A detail answering 404 still yields its page, recording the failure, and is acked."""
    upstream.get(detail_url(99999), status=404)

    await send(pipeline, message(DetailCommand(external_id="99999")))

    [page] = await pages(pipeline.redis)
    assert page.page.items == []
    assert [f.external_id for f in page.page.failed] == ["99999"]
    assert await pending(pipeline.redis) == 0


async def test_permanently_failing_list_is_recorded_not_retried(
    pipeline: Pipeline, upstream: FakeUpstream
) -> None:
    """A list answering 404 yields a page whose one failure is the page itself, and is acked."""
    upstream.get(list_url(0, 20), status=404, repeat=True)

    [entry_id] = await send(pipeline, message(pokemon_page(offset=0, limit=20, fan_out=True)))

    [page] = await pages(pipeline.redis)
    assert page.page.items == []
    assert [f.external_id for f in page.page.failed] == ["page:1"]
    assert page.page.pages_total == 1
    assert await commands_after(pipeline.redis, entry_id) == []
    assert await pending(pipeline.redis) == 0


async def test_unknown_source_is_dead_lettered(pipeline: Pipeline, upstream: FakeUpstream) -> None:
    """A command for a source this fetcher lacks goes to the dead stream with its error, acked."""
    [entry_id] = await send(pipeline, message(DetailCommand(external_id="1"), source="digimon"))

    [letter] = await dead(pipeline.redis)
    assert "unknown source 'digimon'" in letter["error"]
    assert letter["source"] == "digimon"
    assert letter["type"] == "detail"
    assert letter["entry_id"] == entry_id.decode()
    assert await pages(pipeline.redis) == []
    assert await pending(pipeline.redis) == 0
    assert upstream.requests == {}


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"type": "list", "body": "{"}, id="missing-envelope"),
        pytest.param(
            {
                "type": "list",
                "job_id": "not-a-uuid",
                "source": POKEMON,
                "trace_id": "t",
                "created_at": "2024-05-01T12:00:00+00:00",
                "body": '{"offset": 0, "limit": 20}',
            },
            id="bad-job-id",
        ),
        pytest.param(
            {
                "type": "list",
                "job_id": str(JOB_ID),
                "source": POKEMON,
                "trace_id": "t",
                "created_at": "2024-05-01T12:00:00+00:00",
                "body": '{"offset": -20, "limit": 20}',
            },
            id="negative-offset",
        ),
    ],
)
async def test_undecodable_entry_is_dead_lettered(
    pipeline: Pipeline, upstream: FakeUpstream, fields: OutFields
) -> None:
    """An entry the codec rejects goes to the dead stream with the reason and is acked."""
    entry_id: Any = await pipeline.redis.xadd(names.COMMANDS, fields)
    await pipeline.fetcher.handle(await pipeline.reader.read(10))

    [letter] = await dead(pipeline.redis)
    assert letter["error"]
    assert letter["entry_id"] == entry_id.decode()
    assert letter["stream"] == names.COMMANDS
    assert letter["group"] == names.FETCHERS
    assert letter["type"] == "list"
    assert await pages(pipeline.redis) == []
    assert await pending(pipeline.redis) == 0
    assert upstream.requests == {}


async def test_upstream_down_leaves_the_command_pending(
    pipeline: Pipeline, upstream: FakeUpstream
) -> None:
    """A command whose upstream fails transiently every time is not acked and makes no page."""
    upstream.get(detail_url(25), status=503, repeat=True)

    [entry_id] = await send(pipeline, message(DetailCommand(external_id="25")))

    assert await pending(pipeline.redis) == 1
    assert await pages(pipeline.redis) == []
    assert await dead(pipeline.redis) == []
    assert await commands_after(pipeline.redis, entry_id) == []


async def test_pending_command_is_redone_when_upstream_recovers(
    pipeline: Pipeline, upstream: FakeUpstream
) -> None:
    """A command left pending by an outage is handled from the backlog once upstream is back."""
    for _ in range(3):
        upstream.get(detail_url(25), status=503)
    serve_details(upstream, [25])
    await send(pipeline, message(DetailCommand(external_id="25")))
    assert await pending(pipeline.redis) == 1

    pipeline.reader.recover_pending()
    await pipeline.fetcher.handle(await pipeline.reader.read(10))

    [page] = await pages(pipeline.redis)
    assert page.page.page_key == "detail:25"
    assert await pending(pipeline.redis) == 0


async def test_a_failing_command_does_not_hold_back_the_batch(
    pipeline: Pipeline, upstream: FakeUpstream
) -> None:
    """In one batch, the commands that succeed are published and acked; the failing one is not."""
    serve_details(upstream, [1, 4])
    upstream.get(detail_url(25), status=503, repeat=True)

    ids = await send(
        pipeline,
        message(DetailCommand(external_id="1")),
        message(DetailCommand(external_id="25")),
        message(DetailCommand(external_id="4")),
    )

    assert sorted(p.page.page_key for p in await pages(pipeline.redis)) == [
        "detail:1",
        "detail:4",
    ]
    still: Any = await pipeline.redis.xpending_range(
        names.COMMANDS, names.FETCHERS, min="-", max="+", count=10
    )
    assert [row["message_id"] for row in still] == [ids[1]]


async def test_entry_deleted_while_pending_is_acked(
    pipeline: Pipeline, upstream: FakeUpstream
) -> None:
    """An entry trimmed away while pending (no fields) is acked without any output."""
    entry_id = await publish(
        pipeline.redis, names.COMMANDS, encode_command(message(DetailCommand(external_id="1")))
    )  # text; XDEL takes it as is
    await pipeline.reader.read(10)
    await pipeline.redis.xdel(names.COMMANDS, entry_id)
    pipeline.reader.recover_pending()

    await pipeline.fetcher.handle(await pipeline.reader.read(10))

    assert await pending(pipeline.redis) == 0
    assert await pages(pipeline.redis) == []
    assert await dead(pipeline.redis) == []


@pytest.mark.parametrize(
    ("command", "key"),
    [
        (DetailCommand(external_id="25"), "detail:25"),
        (DetailCommand(external_id="10001"), "detail:10001"),
        (pokemon_page(offset=0, limit=20, fan_out=True), "page:1"),
        (pokemon_page(offset=40, limit=20), "page:3"),
        (PageCommand(url="http://x.test/w", for_each="New York"), "page:New York:1"),
    ],
)
def test_page_key(command: Command, key: str) -> None:
    """The page key names the command within its job, the same on every redelivery."""
    assert message(command).command.page_key == key


def test_page_key_ignores_fan_out() -> None:
    """A redone first page has the same key whether or not it fans out."""
    first = pokemon_page(offset=0, limit=20, fan_out=True)
    again = first.model_copy(update={"fan_out": False, "cursor": "c", "url": f"{BASE_URL}/x"})
    assert first.page_key == again.page_key == "page:1"


async def test_a_fetched_page_waits_for_room_with_its_command_pending(
    pipeline: Pipeline, upstream: FakeUpstream
) -> None:
    """Over the pages budget a fetched page is held, its command pending and delivered once."""
    serve_details(upstream, [25])
    waiting = await publish(pipeline.redis, names.PAGES, {"type": "page", "body": "{}"})
    budget = StreamBudget(names.PAGES, names.WRITERS, max_entries=1, max_bytes=0)
    gate = BackpressureGate(redis=pipeline.redis, budget=budget, poll_s=0.01)
    fetcher = replace(pipeline.fetcher, gate=gate)
    command = encode_command(message(DetailCommand(external_id="25")))
    await publish(pipeline.redis, names.COMMANDS, command)
    [(entry_id, fields)] = await pipeline.reader.read(10)

    handling = asyncio.create_task(fetcher.handle([(entry_id, fields)]))
    done, _ = await asyncio.wait({handling}, timeout=0.3)  # many polls of a full gate
    assert (done, gate.engaged) == (set(), True)
    assert (await pending(pipeline.redis), await pipeline.redis.xlen(names.PAGES)) == (1, 1)
    counts = await delivery_counts(pipeline.redis, names.COMMANDS, names.FETCHERS, [entry_id])
    assert counts == {entry_id: 1}
    await pipeline.redis.xreadgroup(names.WRITERS, "w1", {names.PAGES: ">"})
    await pipeline.redis.xack(names.PAGES, names.WRITERS, waiting)
    await asyncio.wait_for(handling, timeout=5)

    added: Any = await pipeline.redis.xrange(names.PAGES, min=f"({waiting}")
    assert [decode_page(fields).page.page_key for _, fields in added] == ["detail:25"]
    assert await pending(pipeline.redis) == 0
    assert not gate.engaged
