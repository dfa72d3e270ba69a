"""The stream codec's round trips: messages to flat entry fields and back, exactly."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from redis.asyncio import Redis

from shared.models.commands import (
    Command,
    CommandMessage,
    DetailCommand,
    PageCommand,
)
from shared.models.pages import FetchedItem, Page, PageMessage
from shared.streams.codec import (
    decode_command,
    decode_page,
    encode_command,
    encode_page,
    text_fields,
)
from shared.values.hashing import content_hash
from tests.unit.codec_messages import (
    BASE,
    COMMANDS,
    CREATED_AT,
    ENVELOPE,
    FIELD_NAMES,
    JOB_ID,
    PAGE,
    as_stream_fields,
    as_text,
    page_fields,
)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: f"{c.type}-{c.page_key}")
def test_command_round_trips(command: Command) -> None:
    """A command decodes to exactly the message that was encoded."""
    message = CommandMessage(envelope=ENVELOPE, command=command)
    assert decode_command(as_stream_fields(encode_command(message))) == message


def test_page_round_trips_with_items_failed_and_pages_total() -> None:
    """A page keeps its items, failures, total and pages_total through the codec."""
    message = PageMessage(envelope=ENVELOPE, page=PAGE)
    decoded = decode_page(as_stream_fields(encode_page(message)))
    assert decoded == message
    assert decoded.page.items[1].payload == '{"name":"Nidoran♀","n":null}'
    assert decoded.page.failed[0].attempts == 2
    assert decoded.page.pages_total == 3


def test_a_payload_travels_as_the_exact_text_received() -> None:
    """Spacing, key order and a 30-digit integer in a payload's text survive the codec."""
    text = '{ "z": 123456789012345678901234567890,\n "a": "\\u0000\'; --" }'
    item = FetchedItem(external_id="1", name="x", content_hash="0" * 64, payload=text)
    page = Page(page_key="detail:1", items=[item], fetched_at=CREATED_AT)
    fields = encode_page(PageMessage(envelope=ENVELOPE, page=page))
    assert json.loads(as_text(fields["body"]))["items"][0]["payload"] == text
    assert decode_page(as_stream_fields(fields)).page.items[0].payload == text


def test_a_page_written_with_parsed_payloads_still_decodes() -> None:
    """A page body from before payloads travelled as text decodes, with its content hash."""
    fields = page_fields(items=[{"external_id": "1", "name": "x", "payload": {"b": 1, "a": 2}}])
    (item,) = decode_page(fields).page.items
    assert json.loads(item.payload) == {"b": 1, "a": 2}
    assert item.content_hash == content_hash({"a": 2, "b": 1})


def test_minimal_page_round_trips() -> None:
    """A page without items, failures or counts round-trips with its defaults."""
    page = Page(page_key="detail:25", fetched_at=CREATED_AT)
    message = PageMessage(envelope=ENVELOPE, page=page)
    decoded = decode_page(as_stream_fields(encode_page(message)))
    assert decoded == message
    assert decoded.page.total is None
    assert decoded.page.pages_total is None


@pytest.mark.parametrize(
    "message",
    [
        *(CommandMessage(envelope=ENVELOPE, command=command) for command in COMMANDS),
        PageMessage(envelope=ENVELOPE, page=PAGE),
    ],
    ids=["first-page", "fanned-page", "next-url-page", "detail", "for-each-page", "page"],
)
def test_fields_are_flat_strings_with_compact_body(message: CommandMessage | PageMessage) -> None:
    """Entries have exactly the six flat text fields; body is compact UTF-8 JSON sans type."""
    kind: str
    if isinstance(message, CommandMessage):
        fields, kind = encode_command(message), message.command.type
    else:
        fields, kind = encode_page(message), "page"
    assert set(fields) == FIELD_NAMES
    assert all(type(key) is str for key in fields)
    assert all(type(value) is str for key, value in fields.items() if key != "body")
    assert fields["type"] == kind
    assert fields["job_id"] == str(JOB_ID)
    assert fields["source"] == "pokemon"
    assert fields["trace_id"] == "a1b2c3d4"
    assert datetime.fromisoformat(str(fields["created_at"])) == CREATED_AT
    body = as_text(fields["body"])
    parsed = json.loads(body)
    assert isinstance(parsed, dict)
    assert "type" not in parsed
    assert json.dumps(parsed, separators=(",", ":"), ensure_ascii=False) == body


def test_command_body_holds_only_the_command_fields() -> None:
    """A list page command's body is its own fields, nothing from the envelope."""
    command = PageCommand(url=f"{BASE}/pokemon", params={"offset": "20", "limit": "20"})
    fields = encode_command(CommandMessage(envelope=ENVELOPE, command=command))
    assert json.loads(as_text(fields["body"])) == {
        "url": f"{BASE}/pokemon",
        "params": {"offset": "20", "limit": "20"},
        "page": 1,
        "cursor": None,
        "fanned": False,
        "fan_out": False,
        "for_each": None,
        "incremental": False,
        "conditional": False,
    }


async def test_round_trip_through_redis_streams(redis: Redis) -> None:
    """Entries written with XADD and read back with XRANGE (as bytes) decode to the originals."""
    command = CommandMessage(envelope=ENVELOPE, command=DetailCommand(external_id="25"))
    page = PageMessage(envelope=ENVELOPE, page=PAGE)
    await redis.xadd("itemsync:commands", encode_command(command))
    await redis.xadd("itemsync:pages", encode_page(page))

    commands: Any = await redis.xrange("itemsync:commands")
    pages: Any = await redis.xrange("itemsync:pages")
    [(_, command_raw)] = commands
    [(_, page_raw)] = pages

    assert all(isinstance(k, bytes) and isinstance(v, bytes) for k, v in command_raw.items())
    assert decode_command(command_raw) == command
    assert decode_page(page_raw) == page
    assert text_fields(command_raw)["type"] == "detail"


def test_created_at_keeps_its_offset() -> None:
    """A created_at in another zone decodes to the same instant."""
    moment = datetime(2024, 5, 1, 14, 30, tzinfo=timezone(timedelta(hours=2)))
    envelope = ENVELOPE.model_copy(update={"created_at": moment})
    message = CommandMessage(envelope=envelope, command=DetailCommand(external_id="1"))
    decoded = decode_command(as_stream_fields(encode_command(message)))
    assert decoded.envelope.created_at == datetime(2024, 5, 1, 12, 30, tzinfo=UTC)


def test_text_fields_replaces_undecodable_bytes() -> None:
    """Fields that are not UTF-8 are shown with replacement characters instead of failing."""
    assert text_fields({b"type": b"\xff"}) == {"type": "\ufffd"}
