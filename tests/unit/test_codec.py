"""The stream codec: messages to the flat fields of a stream entry and back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from redis.asyncio import Redis

from shared.errors import InvalidMessage
from shared.models.commands import (
    Command,
    CommandMessage,
    DetailCommand,
    PageCommand,
)
from shared.models.envelope import Envelope
from shared.models.pages import FailedItem, FetchedItem, Page, PageMessage
from shared.observability.redaction import forget_secrets, register_secrets
from shared.streams.codec import (
    OutFields,
    StreamFields,
    decode_command,
    decode_page,
    encode_command,
    encode_page,
    text_fields,
)
from shared.values.hashing import content_hash

JOB_ID = UUID("0b7e3c5e-5d0c-4c43-9b1e-3c8f6a1d2e4f")
CREATED_AT = datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=UTC)
ENVELOPE = Envelope(job_id=JOB_ID, source="pokemon", trace_id="a1b2c3d4", created_at=CREATED_AT)
FIELD_NAMES = {"type", "job_id", "source", "trace_id", "created_at", "body"}

BASE = "https://api.test/v2"
COMMANDS: list[Command] = [
    PageCommand(url=f"{BASE}/pokemon", params={"offset": "0", "limit": "20"}, fan_out=True),
    PageCommand(url=f"{BASE}/pokemon", params={"offset": "40", "limit": "20"}, page=3, fanned=True),
    PageCommand(url=f"{BASE}/issues?page=2", page=2, cursor="c2", incremental=True),
    DetailCommand(external_id="25"),
    PageCommand(url=f"{BASE}/weather", params={"q": "New York"}, for_each="New York"),
]

PAGE = Page(
    page_key="list:0",
    items=[
        FetchedItem(external_id="1", name="bulbasaur", payload={"id": 1, "types": ["grass"]}),
        FetchedItem(external_id="29", name="nidoran-f", payload={"name": "Nidoran♀", "n": None}),
    ],
    failed=[FailedItem(external_id="7", error="pokemon detail 7: HTTP 404", attempts=2)],
    total=45,
    pages_total=3,
    fetched_at=datetime(2024, 5, 1, 12, 30, 16, tzinfo=UTC),
)


def as_stream_fields(fields: OutFields) -> StreamFields:
    """What Redis hands back for fields the codec wrote: bytes keys and values."""
    return {str(key).encode(): as_text(value).encode() for key, value in fields.items()}


def as_text(value: object) -> str:
    """A field as text: the body is written as UTF-8 JSON bytes, the others as strings."""
    return value.decode() if isinstance(value, bytes) else str(value)


def command_fields(**overrides: str) -> StreamFields:
    """A valid list-command entry with some fields replaced."""
    fields = {
        str(k): as_text(v)
        for k, v in encode_command(
            CommandMessage(envelope=ENVELOPE, command=PageCommand(url=f"{BASE}/pokemon"))
        ).items()
    }
    fields.update(overrides)
    return {key.encode(): value.encode() for key, value in fields.items()}


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
    fields = _page_fields(items=[{"external_id": "1", "name": "x", "payload": {"b": 1, "a": 2}}])
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


def _without(name: str) -> StreamFields:
    fields = command_fields()
    del fields[name.encode()]
    return fields


@pytest.mark.parametrize("missing", sorted(FIELD_NAMES))
@pytest.mark.parametrize("decode", [decode_command, decode_page])
def test_missing_field_is_invalid(missing: str, decode: Any) -> None:
    """An entry without one of the six fields raises InvalidMessage naming the field."""
    with pytest.raises(InvalidMessage, match=missing):
        decode(_without(missing))


def test_empty_entry_is_invalid() -> None:
    """An entry whose fields were deleted (empty) raises InvalidMessage."""
    with pytest.raises(InvalidMessage, match="lacks field"):
        decode_command({})


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        pytest.param({"body": "{not json"}, "not JSON", id="body-not-json"),
        pytest.param({"body": ""}, "not JSON", id="body-empty"),
        pytest.param({"body": "[0, 20]"}, "not a JSON object", id="body-array"),
        pytest.param({"body": '"offset"'}, "not a JSON object", id="body-string"),
        pytest.param({"body": "null"}, "not a JSON object", id="body-null"),
        pytest.param({"type": "sing"}, "command", id="unknown-type"),
        pytest.param({"type": ""}, "command", id="empty-type"),
        pytest.param({"type": "page"}, "command", id="page-type-as-command"),
        pytest.param({"job_id": "job-1"}, "job_id", id="job-id-not-uuid"),
        pytest.param({"job_id": ""}, "job_id", id="job-id-empty"),
        pytest.param({"source": ""}, "source", id="source-empty"),
        pytest.param({"trace_id": "x" * 65}, "trace_id", id="trace-id-too-long"),
        pytest.param({"created_at": "yesterday"}, "created_at", id="created-at-garbage"),
        pytest.param({"body": '{"url": "http://a.test/p", "page": 0}'}, "page", id="page-zero"),
        pytest.param({"body": '{"url": ""}'}, "url", id="url-empty"),
        pytest.param(
            {"body": '{"url": "http://a.test/p", "page": "x"}'}, "page", id="page-not-int"
        ),
        pytest.param({"body": '{"url": "http://a.test/p", "params": [1]}'}, "params", id="params"),
        pytest.param({"body": '{"page": 2}'}, "url", id="url-missing"),
        pytest.param(
            {"type": "detail", "body": '{"external_id": ""}'}, "external_id", id="empty-detail-id"
        ),
        pytest.param({"type": "weather", "body": "{}"}, "command", id="retired-weather-type"),
    ],
)
def test_invalid_command_entries_raise(overrides: dict[str, str], reason: str) -> None:
    """A command entry with a bad envelope, body or value raises InvalidMessage saying what."""
    with pytest.raises(InvalidMessage, match=reason):
        decode_command(command_fields(**overrides))


def test_page_entry_is_not_a_command() -> None:
    """A real page entry read as a command raises InvalidMessage."""
    fields = as_stream_fields(encode_page(PageMessage(envelope=ENVELOPE, page=PAGE)))
    with pytest.raises(InvalidMessage, match="'page' command"):
        decode_command(fields)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: f"{c.type}-{c.page_key}")
def test_command_entry_is_not_a_page(command: Command) -> None:
    """A real command entry read as a page raises InvalidMessage naming its type."""
    fields = as_stream_fields(encode_command(CommandMessage(envelope=ENVELOPE, command=command)))
    with pytest.raises(InvalidMessage, match=f"expected a page entry, got type '{command.type}'"):
        decode_page(fields)


def _page_fields(**body_changes: Any) -> StreamFields:
    fields = {
        str(k): as_text(v)
        for k, v in encode_page(PageMessage(envelope=ENVELOPE, page=PAGE)).items()
    }
    body = json.loads(fields["body"])
    body.update(body_changes)
    fields["body"] = json.dumps(body)
    return {key.encode(): value.encode() for key, value in fields.items()}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        pytest.param({"total": -1}, "total", id="negative-total"),
        pytest.param({"pages_total": 0}, "pages_total", id="zero-pages-total"),
        pytest.param({"page_key": ""}, "page_key", id="empty-page-key"),
        pytest.param({"fetched_at": "soon"}, "fetched_at", id="bad-fetched-at"),
        pytest.param({"items": {"1": {}}}, "items", id="items-not-a-list"),
        pytest.param(
            {"items": [{"external_id": "1", "name": "x", "content_hash": "0" * 64}]},
            "payload",
            id="no-payload",
        ),
        pytest.param(
            {"items": [{"external_id": "1", "name": "x", "payload": "{}"}]},
            "content_hash",
            id="no-content-hash",
        ),
        pytest.param({"failed": [{"external_id": "1", "error": "x", "attempts": 0}]}, "attempts"),
    ],
)
def test_invalid_page_entries_raise(changes: dict[str, Any], reason: str) -> None:
    """A page entry with an out-of-range or malformed value raises InvalidMessage naming it."""
    with pytest.raises(InvalidMessage, match=reason):
        decode_page(_page_fields(**changes))


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param(command_fields(created_at="2024-05-01T12:30:15"), id="naive-created-at"),
        pytest.param(_page_fields(fetched_at="2024-05-01T12:30:16"), id="naive-fetched-at"),
    ],
)
def test_naive_times_are_invalid(fields: StreamFields) -> None:
    """Times on the wire carry a zone; a naive one is an InvalidMessage, not a later TypeError."""
    decode = decode_page if fields[b"type"] == b"page" else decode_command
    with pytest.raises(InvalidMessage):
        decode(fields)


def test_errors_carried_on_a_page_entry_are_redacted() -> None:
    """A failed item's error and a job error never carry a secret onto the stream."""
    key = "codec-owm-key-77aa"
    register_secrets([key])
    try:
        page = Page(
            page_key="weather:Rome",
            failed=[FailedItem(external_id="Rome", error=f"GET /weather?appid={key}: HTTP 404")],
            job_error=f'rejected {{"appid": "{key}"}}',
            fetched_at=CREATED_AT,
        )
        fields = encode_page(PageMessage(envelope=ENVELOPE, page=page))
    finally:
        forget_secrets()
    raw = fields["body"]
    body = raw.decode() if isinstance(raw, bytes) else str(raw)
    assert key not in body
    assert "appid=***" in body
    decoded = decode_page(
        {k.encode(): v if isinstance(v, bytes) else str(v).encode() for k, v in fields.items()}
    )
    assert decoded.page.job_error == 'rejected {"appid": "***"}'
