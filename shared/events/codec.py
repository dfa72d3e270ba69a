"""Events as flat stream fields (``type, source, job_id, at, body``) and back."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import ValidationError

from shared.errors import InvalidMessage
from shared.events.model import EventOut
from shared.observability.redaction import redact
from shared.streams.codec import OutFields, StreamFields, text_fields


def encode_event(event: EventOut) -> OutFields:
    """Fields an operator can read with ``redis-cli XRANGE itemsync:events - +``.

    Every field is masked: an event may quote a poison entry or an upstream's error, and
    it is served to any dashboard and posted to webhooks.
    """
    return {
        "type": event.type.value,
        "source": redact(event.source or ""),
        "job_id": str(event.job_id) if event.job_id else "",
        "at": event.at.isoformat(),
        "body": redact(orjson.dumps(event.data).decode()),
    }


def decode_event(fields: StreamFields) -> EventOut:
    """The event of one entry; ``InvalidMessage`` when it is not one."""
    text = text_fields(fields)
    try:
        data: Any = orjson.loads(text.get("body", "{}"))
        return EventOut.model_validate(
            {
                "type": text.get("type"),
                "at": text.get("at"),
                "source": text.get("source") or None,
                "job_id": text.get("job_id") or None,
                "data": data,
            }
        )
    except (ValidationError, orjson.JSONDecodeError) as exc:
        raise InvalidMessage(f"not an event: {exc}") from exc
