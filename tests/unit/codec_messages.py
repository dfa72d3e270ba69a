"""Stream codec tests' messages: an envelope, commands, a page, and their entry fields."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from shared.models.commands import (
    Command,
    CommandMessage,
    DetailCommand,
    PageCommand,
)
from shared.models.envelope import Envelope
from shared.models.pages import FailedItem, FetchedItem, Page, PageMessage
from shared.streams.codec import (
    OutFields,
    StreamFields,
    encode_command,
    encode_page,
)

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


def page_fields(**body_changes: Any) -> StreamFields:
    fields = {
        str(k): as_text(v)
        for k, v in encode_page(PageMessage(envelope=ENVELOPE, page=PAGE)).items()
    }
    body = json.loads(fields["body"])
    body.update(body_changes)
    fields["body"] = json.dumps(body)
    return {key.encode(): value.encode() for key, value in fields.items()}
