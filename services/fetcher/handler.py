"""The fetcher: one command in, one page (and any fanned-out commands) out."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import structlog
from redis.asyncio import Redis
from structlog.contextvars import bound_contextvars

from services.fetcher.fanout import remaining_offsets
from shared.clock import utc_now
from shared.errors import InvalidMessage, PermanentUpstreamError, TransientUpstreamError
from shared.models.commands import CommandMessage, ListCommand
from shared.models.envelope import Envelope
from shared.models.pages import FailedItem, Page, PageMessage
from shared.sources.base import Source, SourcePage
from shared.streams import names
from shared.streams.codec import (
    OutFields,
    StreamEntry,
    StreamFields,
    decode_command,
    encode_command,
    encode_page,
)
from shared.streams.consumer import GroupReader
from shared.streams.deadletter import dead_letter
from shared.streams.publisher import publish_and_ack

log = structlog.get_logger()


def page_key(command: CommandMessage) -> str:
    """The page's identity within its job: a redelivered command yields the same key."""
    body = command.command
    if isinstance(body, ListCommand):
        return f"list:{body.offset}"
    if body.type == "detail":
        return f"detail:{body.external_id}"
    return f"weather:{body.city}"


@dataclass(frozen=True)
class CommandFetcher:
    """Runs each command of a batch concurrently; each is acked with its outputs."""

    redis: Redis
    reader: GroupReader
    sources: dict[str, Source]

    async def handle(self, entries: list[StreamEntry]) -> None:
        """Handle a batch; a command whose upstream stays down is left pending for later."""
        await asyncio.gather(*(self._handle_one(entry_id, fields) for entry_id, fields in entries))

    async def _handle_one(self, entry_id: bytes, fields: StreamFields) -> None:
        if not fields:  # trimmed away while pending
            await self.reader.ack([entry_id])
            return
        try:
            message = decode_command(fields)
            source = self.sources.get(message.envelope.source)
            if source is None:
                raise InvalidMessage(f"unknown source {message.envelope.source!r}")
        except InvalidMessage as exc:
            await dead_letter(self.redis, self.reader, entry_id, fields, str(exc), deliveries=1)
            log.warning("command.dead_lettered", entry_id=entry_id.decode(), error=str(exc))
            return
        envelope = message.envelope
        with bound_contextvars(
            job_id=str(envelope.job_id),
            trace_id=envelope.trace_id,
            source=envelope.source,
            entry_id=entry_id.decode(),
        ):
            await self._fetch_and_emit(entry_id, message, source)

    async def _fetch_and_emit(
        self, entry_id: bytes, message: CommandMessage, source: Source
    ) -> None:
        started = time.perf_counter()
        key = page_key(message)
        try:
            result = await source.fetch(message.command)
        except TransientUpstreamError as exc:
            log.warning("command.failed_transient", page_key=key, error=str(exc))
            raise
        except PermanentUpstreamError as exc:
            # The whole command failed for good: record it on the job, do not retry.
            result = SourcePage(items=[], failed=[FailedItem(external_id=key, error=str(exc))])
        outputs: list[tuple[str, OutFields]] = []
        pages_total: int | None = None
        command = message.command
        if isinstance(command, ListCommand) and command.fan_out:
            offsets = remaining_offsets(result.total or 0, command.offset, command.limit)
            pages_total = 1 + len(offsets)
            for offset in offsets:
                follow = CommandMessage(
                    envelope=_stamped(message.envelope),
                    command=ListCommand(offset=offset, limit=command.limit),
                )
                outputs.append((names.COMMANDS, encode_command(follow)))
        page = Page(
            page_key=key,
            items=result.items,
            failed=result.failed,
            total=result.total,
            pages_total=pages_total,
            fetched_at=utc_now(),
        )
        outputs.append(
            (names.PAGES, encode_page(PageMessage(envelope=_stamped(message.envelope), page=page)))
        )
        await publish_and_ack(
            self.redis,
            outputs,
            ack_stream=self.reader.stream,
            ack_group=self.reader.group,
            ack_ids=[entry_id],
        )
        log.info(
            "page.fetched",
            page_key=key,
            items=len(result.items),
            failed=len(result.failed),
            fanned_out=len(outputs) - 1,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
        )


def _stamped(envelope: Envelope) -> Envelope:
    return envelope.model_copy(update={"created_at": utc_now()})
