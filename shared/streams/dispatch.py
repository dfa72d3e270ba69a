"""The stream protocol for one batch the loop read: decode, hand over, act on the outcome.

An entry trimmed away while pending is acknowledged; one that does not decode is
dead-lettered at once. The others go to the handler as typed messages, inside a log
context naming their job. What the handler returns or raises decides what happens:

- ``Handled``: its outputs are added and the messages acknowledged in one MULTI/EXEC,
  once the gated stream has room for them; then its ``after_ack`` runs.
- ``Delay``: the messages are held at most ``MAX_HOLD_S``, then requeued: a fresh copy
  at the stream's end carries the failures so far, and the wait is not one of them.
- ``InvalidMessage``: dead-lettered at once with the reason.
- ``RedisError`` or ``OSError``: our own Redis is away; the loop pauses and re-reads.
- any other error: a batch of several is retried one message at a time; a message
  that still fails stays pending with its error, is taken over after ``claim_idle``,
  and is dead-lettered after ``max_deliveries`` failed handlings (see ``loop.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Generic

import structlog
from redis.exceptions import RedisError
from structlog.contextvars import bound_contextvars

from shared.errors import Delay, InvalidMessage
from shared.resilience.backoff import wait_unless_stopped
from shared.streams.attempts import delivery_counts, failed_handlings, remember_error
from shared.streams.backpressure import BackpressureGate, entry_bytes
from shared.streams.codec import StreamEntry, StreamFields
from shared.streams.consumer import GroupReader
from shared.streams.deadletter import dead_letter
from shared.streams.handler import Consumer, EachMessage, Handled, M
from shared.streams.publisher import Fields, outgoing, publish_and_ack, requeue

MAX_HOLD_S = 5.0  # hold a delayed message at most this long before requeueing it

log = structlog.get_logger()


@dataclass(frozen=True)
class _Taken(Generic[M]):
    entry_id: bytes
    fields: StreamFields
    message: M


@dataclass(frozen=True)
class Dispatcher(Generic[M]):
    """Runs one consumer's side of the loop over a batch, and acts on what it returns."""

    reader: GroupReader
    consumer: Consumer[M]
    gate: BackpressureGate | None = None  # holds outputs while their stream is full

    async def dispatch(self, entries: list[StreamEntry], stop: asyncio.Event) -> None:
        """Decode ``entries``, hand them over, then ack, publish, delay or dead-letter."""
        taken = await self._decode(entries)
        if not taken:
            return
        if isinstance(self.consumer.handler, EachMessage):
            units = await asyncio.gather(
                *(self._unit([one], stop) for one in taken), return_exceptions=True
            )
            for outcome in units:  # every unit settled first: none is left running
                if isinstance(outcome, BaseException):
                    raise outcome
            return
        await self._unit(taken, stop)

    async def _decode(self, entries: list[StreamEntry]) -> list[_Taken[M]]:
        taken: list[_Taken[M]] = []
        for entry_id, fields in entries:
            if not fields:  # trimmed away while pending: nothing left to handle
                await self.reader.ack([entry_id])
                continue
            try:
                taken.append(_Taken(entry_id, fields, self.consumer.decode(fields)))
            except InvalidMessage as exc:
                await self._reject(entry_id, fields, exc)
        return taken

    async def _unit(self, batch: list[_Taken[M]], stop: asyncio.Event) -> None:
        with bound_contextvars(**_log_context(batch)):
            try:
                handled = await self._handle(batch)
            except Delay as exc:
                await self._delay(batch, exc, stop)
            except (RedisError, OSError) as exc:
                await self._remember(batch, exc)
                raise
            except Exception as exc:
                await self._failed(batch, exc, stop)
            else:
                await self._acknowledge(batch, handled, stop)

    async def _handle(self, batch: list[_Taken[M]]) -> Handled:
        handler = self.consumer.handler
        if isinstance(handler, EachMessage):
            (one,) = batch
            return await handler.handle(one.message)
        return await handler.handle([taken.message for taken in batch])

    async def _acknowledge(
        self, batch: list[_Taken[M]], handled: Handled, stop: asyncio.Event
    ) -> None:
        ids = [taken.entry_id for taken in batch]
        outputs = [outgoing(message) for message in handled.outputs]
        async with self._room_for(outputs, stop):
            if outputs:
                await publish_and_ack(
                    self.reader.redis,
                    outputs,
                    ack_stream=self.reader.stream,
                    ack_group=self.reader.group,
                    ack_ids=ids,
                )
            else:
                await self.reader.ack(ids)
        if handled.after_ack is not None:
            await handled.after_ack()

    def _room_for(
        self, outputs: Sequence[tuple[str, Fields]], stop: asyncio.Event
    ) -> AbstractAsyncContextManager[None]:
        # The cause stays pending and kept claimed meanwhile: delayed, never a failed delivery.
        if self.gate is None:
            return contextlib.nullcontext()
        gated = [fields for stream, fields in outputs if stream == self.gate.budget.stream]
        if not gated:
            return contextlib.nullcontext()
        return self.gate.room_for_entry(sum(entry_bytes(fields) for fields in gated), stop)

    async def _delay(self, batch: list[_Taken[M]], exc: Delay, stop: asyncio.Event) -> None:
        await wait_unless_stopped(stop, min(exc.retry_after_s, MAX_HOLD_S))
        redis, stream, group = self.reader.redis, self.reader.stream, self.reader.group
        counts = await delivery_counts(redis, stream, group, [t.entry_id for t in batch])
        for taken in batch:
            failures = failed_handlings(taken.fields, counts.get(taken.entry_id, 1))
            await requeue(
                redis,
                stream=stream,
                group=group,
                entry_id=taken.entry_id,
                fields=taken.fields,
                failures=failures,
            )
        log.info(
            f"{self.consumer.kind}.delayed",
            reason=exc.reason,
            retry_after_s=round(exc.retry_after_s, 2),
            **_keys(batch),
        )

    async def _failed(self, batch: list[_Taken[M]], exc: Exception, stop: asyncio.Event) -> None:
        if len(batch) > 1 and not stop.is_set():
            log.warning(
                "stream.batch_split",
                stream=self.reader.stream,
                entries=len(batch),
                error=f"{type(exc).__name__}: {exc}",
            )
            for taken in batch:
                await self._unit([taken], stop)
            return
        if isinstance(exc, InvalidMessage) and len(batch) == 1:  # rejected: no retry can help
            await self._reject(batch[0].entry_id, batch[0].fields, exc)
            return
        # Library exception texts may carry a URL with the key: the error store masks it.
        await self._remember(batch, exc)
        log.warning(
            f"{self.consumer.kind}.failed", error=f"{type(exc).__name__}: {exc}", **_keys(batch)
        )

    async def _reject(self, entry_id: bytes, fields: StreamFields, exc: InvalidMessage) -> None:
        await dead_letter(self.reader.redis, self.reader, entry_id, fields, str(exc), deliveries=1)
        log.warning(
            f"{self.consumer.kind}.dead_lettered", entry_id=entry_id.decode(), error=str(exc)
        )

    async def _remember(self, batch: list[_Taken[M]], exc: BaseException) -> None:
        await remember_error(
            self.reader.redis,
            self.reader.stream,
            [taken.entry_id for taken in batch],
            f"{type(exc).__name__}: {exc}",
        )


def _log_context(batch: list[_Taken[M]]) -> Mapping[str, str]:
    """The job of a unit of work, for every line logged while it is handled.

    A batch of several jobs binds nothing: each per-job line names its own job.
    """
    envelopes = {taken.message.envelope.job_id: taken.message.envelope for taken in batch}
    if len(envelopes) != 1:
        return {}
    (envelope,) = envelopes.values()
    context = {"job_id": str(envelope.job_id), "trace_id": envelope.trace_id}
    if len(batch) == 1:
        context.update(source=envelope.source, entry_id=batch[0].entry_id.decode())
    return context


def _keys(batch: list[_Taken[M]]) -> dict[str, object]:
    if len(batch) == 1:
        return {"page_key": batch[0].message.page_key}
    return {"entries": len(batch)}
