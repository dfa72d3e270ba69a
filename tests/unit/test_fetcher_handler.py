"""The fetcher: one command in, one page and any fanned-out commands out, acked together."""

from __future__ import annotations

import json

import pytest

from shared.models.commands import Command, DetailCommand, PageCommand
from shared.streams.codec import decode_command
from tests.unit.fake_upstream import (
    FakeUpstream,
    detail_json,
    detail_url,
    list_page,
    list_url,
    serve_details,
)
from tests.unit.fetcher_pipeline import (
    JOB_ID,
    POKEMON,
    TRACE_ID,
    Pipeline,
    commands_after,
    message,
    pages,
    pending,
    pokemon_page,
    send,
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


@pytest.mark.parametrize(
    ("command", "key"),
    [
        (pokemon_page(offset=0, limit=20, fan_out=True), "page:1"),
        (pokemon_page(offset=40, limit=20), "page:3"),
        (PageCommand(url="http://x.test/w", for_each="New York"), "page:New York:1"),
        (DetailCommand(external_id="25"), "detail:25"),
        (DetailCommand(external_id="10001"), "detail:10001"),
    ],
)
def test_page_key(command: Command, key: str) -> None:
    """The page key names the command within its job, the same on every redelivery."""
    assert message(command).command.page_key == key


def test_page_key_ignores_fan_out() -> None:
    """A redone first page has the same key whether or not it fans out."""
    first = pokemon_page(offset=0, limit=20, fan_out=True)
    again = first.model_copy(update={"fan_out": False, "cursor": "c", "url": "http://other.test/x"})
    assert first.page_key == again.page_key == "page:1"
