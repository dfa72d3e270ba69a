"""The only code that turns messages into flat stream fields and back.

Every entry has ``type, job_id, source, trace_id, created_at, body``: strings an
operator can read with ``redis-cli XRANGE``; ``body`` is one compact JSON object.
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import TypeAdapter, ValidationError
from redis.typing import EncodableT, FieldT

from shared.errors import InvalidMessage
from shared.models.commands import (
    Command,
    CommandMessage,
    DetailCommand,
    PageCommand,
)
from shared.models.envelope import Envelope
from shared.models.pages import Page, PageMessage

StreamFields = dict[bytes, bytes]
OutFields = dict[FieldT, EncodableT]  # what XADD takes
StreamEntry = tuple[bytes, StreamFields]

_COMMAND = TypeAdapter[Command](Command)
_ENVELOPE_FIELDS = ("job_id", "source", "trace_id", "created_at")
_TYPE_FIELD = {"type"}  # carried as its own field, not inside the body


def encode_command(message: CommandMessage) -> OutFields:
    """Flat fields of a command entry."""
    return _encode(message.envelope, message.command)


def encode_page(message: PageMessage) -> OutFields:
    """Flat fields of a page entry."""
    return _encode(message.envelope, message.page)


def decode_command(fields: StreamFields) -> CommandMessage:
    """Parse a command entry; raise ``InvalidMessage`` saying what is wrong."""
    envelope, kind, body = _split(fields)
    try:
        command = _COMMAND.validate_python({**body, "type": kind})
    except ValidationError as exc:
        raise InvalidMessage(f"bad {kind!r} command body: {_first_error(exc)}") from exc
    return CommandMessage(envelope=envelope, command=command)


def decode_page(fields: StreamFields) -> PageMessage:
    """Parse a page entry; raise ``InvalidMessage`` saying what is wrong.

    The body (several MB at real size) is parsed straight from its bytes into the model:
    no decoded copy of it, no intermediate dict, payloads stay strings.
    """
    envelope, kind = _envelope(fields)
    if kind != "page":
        raise InvalidMessage(f"expected a page entry, got type {kind!r}")
    body = fields.get(b"body")
    if body is None:
        raise InvalidMessage("entry lacks field(s) body")
    try:
        page = Page.model_validate_json(body)
    except ValidationError as exc:
        raise InvalidMessage(f"bad page body: {_first_error(exc)}") from exc
    return PageMessage(envelope=envelope, page=page)


def text_fields(fields: StreamFields) -> dict[str, str]:
    """Fields decoded to text, for dead letters and operator output."""
    return {
        key.decode(errors="replace"): value.decode(errors="replace")
        for key, value in fields.items()
    }


_StreamBody = Page | DetailCommand | PageCommand


def _encode(envelope: Envelope, body: _StreamBody) -> OutFields:
    # pydantic-core writes the JSON bytes itself: no Python dict and no str copy in between.
    return {
        "type": body.type,
        "job_id": str(envelope.job_id),
        "source": envelope.source,
        "trace_id": envelope.trace_id,
        "created_at": envelope.created_at.isoformat(),
        "body": body.__pydantic_serializer__.to_json(body, exclude=_TYPE_FIELD),
    }


def _envelope(fields: StreamFields) -> tuple[Envelope, str]:
    """The envelope and type, decoded from the small fields only."""
    text = {
        key.decode(errors="replace"): value.decode(errors="replace")
        for key, value in fields.items()
        if key != b"body"
    }
    missing = [name for name in ("type", *_ENVELOPE_FIELDS) if name not in text]
    if b"body" not in fields:
        missing.append("body")
    if missing:
        raise InvalidMessage(f"entry lacks field(s) {', '.join(missing)}")
    try:
        envelope = Envelope.model_validate({name: text[name] for name in _ENVELOPE_FIELDS})
    except ValidationError as exc:
        raise InvalidMessage(f"bad envelope: {_first_error(exc)}") from exc
    return envelope, text["type"]


def _split(fields: StreamFields) -> tuple[Envelope, str, dict[str, Any]]:
    envelope, kind = _envelope(fields)
    try:
        body = orjson.loads(fields[b"body"])
    except orjson.JSONDecodeError as exc:
        raise InvalidMessage(f"body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise InvalidMessage("body is not a JSON object")
    return envelope, kind, body


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "body"
    return f"{where}: {error['msg']}"
