"""Dead letters: an entry that cannot be handled is moved to ``itemsync:dead`` and acked."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis

from shared.errors import InvalidMessage
from shared.events.model import EventOut, EventType
from shared.events.publish import publish_event
from shared.models.dashboard import DeadLetterOut
from shared.observability.redaction import redact
from shared.streams import names
from shared.streams.codec import OutFields, StreamFields, text_fields
from shared.streams.consumer import GroupReader
from shared.values.clock import utc_now


async def dead_letter(
    redis: Redis,
    reader: GroupReader,
    entry_id: bytes | str,
    fields: StreamFields,
    error: str,
    *,
    deliveries: int,
) -> None:
    """Copy the entry with its error to the dead stream and acknowledge it, atomically.

    The error and every field but ``body`` are masked: a poison entry's fields are
    what its error echoes. The body stays byte for byte so a replay is exact; our
    own bodies carry errors only through models that mask them.
    """
    original = text_fields(fields)
    source_id = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    record: OutFields = {
        name: value if name == "body" else redact(value) for name, value in original.items()
    }
    record.update(
        {
            "error": redact(error)[:2000],
            "deliveries": str(deliveries),
            "stream": reader.stream,
            "group": reader.group,
            "entry_id": source_id,
        }
    )
    async with redis.pipeline(transaction=True) as pipe:
        pipe.xadd(names.DEAD, record)
        pipe.xack(reader.stream, reader.group, entry_id)
        dead_id, _ = await pipe.execute()
    await _announce(redis, dead_id, record, original)


async def _announce(
    redis: Redis, dead_id: bytes | str, record: OutFields, original: dict[str, str]
) -> None:
    data = {
        "dead_id": dead_id.decode() if isinstance(dead_id, bytes) else str(dead_id),
        "stream": str(record["stream"]),
        "error": str(record["error"])[:300],
        "deliveries": int(str(record["deliveries"])),
    }
    try:
        job_id: uuid.UUID | None = uuid.UUID(original.get("job_id", ""))
    except ValueError:  # a poison entry may carry anything, or nothing, as its job
        job_id = None
    event = EventOut(
        type=EventType.DEAD_LETTER,
        at=utc_now(),
        source=(original.get("source") or None),
        job_id=job_id,
        data=data,
    )
    await publish_event(redis, event)


_DEAD_ONLY_FIELDS = {b"error", b"deliveries", b"stream", b"group", b"entry_id", b"attempts"}


async def list_dead(redis: Redis, *, limit: int = 100) -> list[DeadLetterOut]:
    """The oldest dead letters first."""
    entries: Any = await redis.xrange(names.DEAD, count=limit)
    return [dead_entry(entry_id, fields) for entry_id, fields in entries]


async def replay_dead(redis: Redis, dead_ids: Sequence[str] = ()) -> list[str]:
    """Put dead letters back on their stream as new entries and remove them; return new ids.

    With no ids, every dead letter is replayed. The copy and the removal happen
    in one MULTI/EXEC, so a replay is never lost nor doubled.
    """
    chosen = await _select(redis, dead_ids)
    replayed: list[str] = []
    for dead_id, fields in chosen:
        original = {k: v for k, v in fields.items() if k not in _DEAD_ONLY_FIELDS}
        stream = fields.get(b"stream", b"").decode()
        if stream not in (names.COMMANDS, names.PAGES):
            raise InvalidMessage(f"dead letter {dead_id.decode()} names no known stream")
        async with redis.pipeline(transaction=True) as pipe:
            pipe.xadd(stream, original)  # type: ignore[arg-type]
            pipe.xdel(names.DEAD, dead_id)
            new_id, _ = await pipe.execute()
        replayed.append(new_id.decode() if isinstance(new_id, bytes) else str(new_id))
    return replayed


async def purge_dead(redis: Redis, dead_ids: Sequence[str] = ()) -> int:
    """Delete dead letters (all of them with no ids); return how many went."""
    chosen = await _select(redis, dead_ids)
    if not chosen:
        return 0
    removed: Any = await redis.xdel(names.DEAD, *[dead_id for dead_id, _ in chosen])
    return int(removed)


async def _select(redis: Redis, dead_ids: Sequence[str]) -> list[tuple[bytes, StreamFields]]:
    if not dead_ids:
        everything: Any = await redis.xrange(names.DEAD)
        return list(everything)
    chosen: list[tuple[bytes, StreamFields]] = []
    for dead_id in dead_ids:
        found: Any = await redis.xrange(names.DEAD, min=dead_id, max=dead_id)
        if not found:
            raise InvalidMessage(f"no dead letter with id {dead_id}")
        chosen.extend(found)
    return chosen


def dead_entry(entry_id: bytes, fields: StreamFields) -> DeadLetterOut:
    """One entry of ``itemsync:dead`` as an operator reads it."""
    text = text_fields(fields)
    return DeadLetterOut(
        dead_id=entry_id.decode(),
        stream=text.get("stream", "?"),
        entry_id=text.get("entry_id", "?"),
        error=text.get("error", ""),
        deliveries=text.get("deliveries", "?"),
        fields={k: v for k, v in text.items() if k.encode() not in _DEAD_ONLY_FIELDS},
    )
