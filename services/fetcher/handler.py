"""The fetcher: one command in, one page (and any fanned-out commands) out."""

from __future__ import annotations

import asyncio
import contextlib
import time
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

import structlog
from redis.asyncio import Redis
from structlog.contextvars import bound_contextvars

from shared.values.clock import utc_now
from shared.errors import CircuitOpenError, InvalidMessage, JobFailedError, PermanentUpstreamError
from shared.models.commands import CommandMessage
from shared.models.envelope import Envelope
from shared.models.pages import FailedItem, Page, PageMessage
from shared.sources.base import SourceFetcher, SourcePage
from shared.streams import names
from shared.streams.attempts import delivery_counts, remember_error
from shared.streams.backpressure import BackpressureGate, entry_bytes
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
from shared.streams.publisher import publish_and_ack, requeue

log = structlog.get_logger()


MAX_CIRCUIT_WAIT_S = 5.0  # hold a command at most this long before requeueing it


@dataclass(frozen=True)
class CommandFetcher:
    """Runs each command of a batch concurrently; each is acked with its outputs."""

    redis: Redis
    reader: GroupReader
    sources: dict[str, SourceFetcher]
    stop: asyncio.Event
    gate: BackpressureGate | None = None  # holds a fetched page while the writers are behind

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
            try:
                await self._fetch_and_emit(entry_id, message, source)
            except CircuitOpenError as exc:
                await self._wait_for_breaker(entry_id, fields, exc)
            except Exception as exc:
                # Library exception texts may carry a URL with the key: the store masks it.
                error = f"{type(exc).__name__}: {exc}"
                await remember_error(self.redis, self.reader.stream, [entry_id], error)
                log.warning("command.failed", page_key=message.command.page_key, error=error)

    async def _wait_for_breaker(
        self, entry_id: bytes, fields: StreamFields, exc: CircuitOpenError
    ) -> None:
        """Hold the command while the breaker is open, then requeue it: delayed, not failed."""
        wait_s = min(exc.retry_after_s, MAX_CIRCUIT_WAIT_S)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), timeout=wait_s)
        delivered = await delivery_counts(
            self.redis, self.reader.stream, self.reader.group, [entry_id]
        )
        await requeue(
            self.redis,
            stream=self.reader.stream,
            group=self.reader.group,
            entry_id=entry_id,
            fields=fields,
            failed_now=delivered.get(entry_id, 1) - 1,
        )
        log.info(
            "command.delayed", reason="circuit_open", retry_after_s=round(exc.retry_after_s, 2)
        )

    async def _fetch_and_emit(
        self, entry_id: bytes, message: CommandMessage, source: SourceFetcher
    ) -> None:
        started = time.perf_counter()
        key = message.command.page_key
        job_error: str | None = None
        try:
            result = await source.fetch(message.command)
        except JobFailedError as exc:
            # Nothing of this job can succeed: the writer closes it as failed.
            result, job_error = SourcePage(items=[]), str(exc)
        except PermanentUpstreamError as exc:
            # The whole command failed for good: record it on the job, do not retry.
            failed = FailedItem(external_id=key, error=str(exc))
            result = SourcePage(items=[], failed=[failed])
        outputs: list[tuple[str, OutFields]] = [
            (
                names.COMMANDS,
                encode_command(CommandMessage(envelope=_stamped(message.envelope), command=follow)),
            )
            for follow in result.follow_ups
        ]
        page = Page(
            page_key=key,
            items=result.items,
            failed=result.failed,
            total=result.total,
            pages_total=result.pages_total,
            not_modified=result.not_modified,
            fetched_at=utc_now(),
            job_error=job_error,
            change_signal=result.change_signal,
            unchanged_by_signal=result.unchanged_by_signal,
            cursor=result.cursor,
            incremental=result.incremental,
        )
        page_fields = encode_page(PageMessage(envelope=_stamped(message.envelope), page=page))
        outputs.append((names.PAGES, page_fields))
        async with self._room_for(page_fields):
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
            not_modified=len(result.not_modified),
            failed=len(result.failed),
            fanned_out=len(outputs) - 1,
            job_error=job_error,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
        )

    def _room_for(self, fields: OutFields) -> AbstractAsyncContextManager[None]:
        # The command stays pending and kept claimed meanwhile: delayed, never a failed delivery.
        if self.gate is None:
            return contextlib.nullcontext()
        return self.gate.room_for_entry(entry_bytes(fields), self.stop)


def _stamped(envelope: Envelope) -> Envelope:
    return envelope.model_copy(update={"created_at": utc_now()})
