"""The fetcher's failures as the consumer loop settles them: rejected commands are
dead-lettered, failing ones stay pending, a full pages stream holds the page back."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

from shared.models.commands import DetailCommand
from shared.streams import names
from shared.streams.attempts import delivery_counts
from shared.streams.backpressure import BackpressureGate, StreamBudget
from shared.streams.codec import OutFields, decode_page, encode_command
from shared.streams.publisher import publish
from tests.e2e.waiting import wait_until_async
from tests.unit.fake_upstream import FakeUpstream, detail_url, serve_details
from tests.unit.fetcher_pipeline import (
    JOB_ID,
    POKEMON,
    Pipeline,
    commands_after,
    dead,
    message,
    pages,
    pending,
    send,
)


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
    await pipeline.dispatch(await pipeline.reader.read(10))

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
    await pipeline.dispatch(await pipeline.reader.read(10))

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

    await pipeline.dispatch(await pipeline.reader.read(10))

    assert await pending(pipeline.redis) == 0
    assert await pages(pipeline.redis) == []
    assert await dead(pipeline.redis) == []


async def test_a_fetched_page_waits_for_room_with_its_command_pending(
    pipeline: Pipeline, upstream: FakeUpstream
) -> None:
    """Over the pages budget a fetched page is held, its command pending and delivered once."""
    serve_details(upstream, [25])
    waiting = await publish(pipeline.redis, names.PAGES, {"type": "page", "body": "{}"})
    budget = StreamBudget(names.PAGES, names.WRITERS, max_entries=1, max_bytes=0)
    gate = BackpressureGate(redis=pipeline.redis, budget=budget, poll_s=0.01)
    gated = replace(pipeline, dispatcher=replace(pipeline.dispatcher, gate=gate))
    command = encode_command(message(DetailCommand(external_id="25")))
    await publish(pipeline.redis, names.COMMANDS, command)
    [(entry_id, fields)] = await pipeline.reader.read(10)

    handling = asyncio.create_task(gated.dispatch([(entry_id, fields)]))
    await wait_until_async(lambda: gate.engaged, timeout_s=10)  # fetched, held at the gate
    done, _ = await asyncio.wait({handling}, timeout=0.1)  # more polls of the full gate
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
