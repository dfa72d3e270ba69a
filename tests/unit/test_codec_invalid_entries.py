"""The stream codec refusing entries: missing or wrong fields, naive times, the wrong kind."""

from __future__ import annotations

from typing import Any

import pytest

from shared.errors import InvalidMessage
from shared.models.commands import (
    Command,
    CommandMessage,
)
from shared.models.pages import FailedItem, Page, PageMessage
from shared.observability.redaction import forget_secrets, register_secrets
from shared.streams.codec import (
    StreamFields,
    decode_command,
    decode_page,
    encode_command,
    encode_page,
)
from tests.unit.codec_messages import (
    COMMANDS,
    CREATED_AT,
    ENVELOPE,
    FIELD_NAMES,
    PAGE,
    as_stream_fields,
    command_fields,
    page_fields,
)


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
        decode_page(page_fields(**changes))


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param(command_fields(created_at="2024-05-01T12:30:15"), id="naive-created-at"),
        pytest.param(page_fields(fetched_at="2024-05-01T12:30:16"), id="naive-fetched-at"),
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
