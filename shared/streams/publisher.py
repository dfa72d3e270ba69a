"""Adding entries: a handler's outputs go out in one MULTI/EXEC with the ack of their cause."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from shared.models.commands import CommandMessage
from shared.models.pages import PageMessage
from shared.streams import names
from shared.streams.attempts import requeued_fields
from shared.streams.codec import StreamFields, encode_command, encode_page
from shared.streams.names import entry_error_key

Fields = Mapping[FieldT, EncodableT]  # what the codec produces
Output = CommandMessage | PageMessage  # what a handler may ask the loop to add


def outgoing(message: Output) -> tuple[str, Fields]:
    """The stream a message goes to, and its fields."""
    if isinstance(message, CommandMessage):
        return names.COMMANDS, encode_command(message)
    return names.PAGES, encode_page(message)


async def publish(redis: Redis, stream: str, fields: Fields) -> str:
    """Add one entry; return its id."""
    entry_id = await redis.xadd(stream, dict(fields))
    return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)


async def publish_and_ack(
    redis: Redis,
    outputs: Sequence[tuple[str, Fields]],
    *,
    ack_stream: str,
    ack_group: str,
    ack_ids: Sequence[bytes | str],
) -> None:
    """Add every output and acknowledge its cause atomically: all happen or none do.

    A crash before EXEC leaves the cause pending, so it is redelivered and redone;
    the writer's page ledger makes a repeated page harmless.
    """
    async with redis.pipeline(transaction=True) as pipe:
        for stream, fields in outputs:
            pipe.xadd(stream, dict(fields))
        if ack_ids:
            pipe.xack(ack_stream, ack_group, *ack_ids)
        await pipe.execute()


async def requeue(
    redis: Redis,
    *,
    stream: str,
    group: str,
    entry_id: bytes,
    fields: StreamFields,
    failures: int,
) -> None:
    """Put a fresh copy of the entry at the stream's end and acknowledge the old one, atomically.

    Used when an entry must wait (breaker open) or was interrupted (shutdown): the copy
    carries ``failures`` (from ``failed_handlings``), so the wait is not counted as one.
    """
    async with redis.pipeline(transaction=True) as pipe:
        pipe.xadd(stream, requeued_fields(fields, failures))
        pipe.xack(stream, group, entry_id)
        pipe.delete(entry_error_key(stream, entry_id))
        await pipe.execute()
