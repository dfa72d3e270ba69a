"""The fetcher: one command in, one page (and any fanned-out commands) out.

The consumer loop adds the page and the commands with the command's ack, in one
MULTI/EXEC, once the writers have room for the page.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import structlog

from shared.errors import (
    CircuitOpenError,
    Delay,
    InvalidMessage,
    JobFailedError,
    PermanentUpstreamError,
)
from shared.models.commands import CommandMessage, walk_end
from shared.models.envelope import Envelope
from shared.models.pages import FailedItem, Page, PageMessage
from shared.sources.base import SourceFetcher, SourcePage
from shared.streams.handler import Handled
from shared.values.clock import utc_now

log = structlog.get_logger()


@dataclass(frozen=True)
class CommandFetcher:
    """Fetches what one command asks for from its source."""

    sources: Mapping[str, SourceFetcher]

    async def fetch(self, message: CommandMessage) -> Handled:
        """The page of ``message`` and its follow-up commands; raise to leave it pending.

        An open breaker delays the command; an unknown source rejects it.
        """
        source = self.sources.get(message.envelope.source)
        if source is None:
            raise InvalidMessage(f"unknown source {message.envelope.source!r}")
        started = time.perf_counter()
        key = message.command.page_key
        job_error: str | None = None
        try:
            result = await source.fetch(message.command)
        except CircuitOpenError as exc:
            raise Delay("circuit_open", retry_after_s=exc.retry_after_s) from exc
        except JobFailedError as exc:
            # Nothing of this job can succeed: the writer closes it as failed.
            result, job_error = SourcePage(items=[]), str(exc)
        except PermanentUpstreamError as exc:
            # The whole command failed for good: record it on the job, do not retry.
            failed = FailedItem(external_id=key, error=str(exc))
            ended = walk_end(message.command)  # a for_each walk ends with its failed page
            result = SourcePage(
                items=[], failed=[failed], pages_added=ended or 0, walk_ended=ended is not None
            )
        follow_ups = [
            CommandMessage(envelope=_stamped(message.envelope), command=follow)
            for follow in result.follow_ups
        ]
        page = Page(
            page_key=key,
            items=result.items,
            failed=result.failed,
            total=result.total,
            pages_total=result.pages_total,
            pages_added=result.pages_added,
            walk_ended=result.walk_ended,
            not_modified=result.not_modified,
            fetched_at=utc_now(),
            job_error=job_error,
            change_signal=result.change_signal,
            unchanged_by_signal=result.unchanged_by_signal,
            cursor=result.cursor,
            incremental=result.incremental,
        )

        async def fetched() -> None:
            if result.saving is not None:  # a cache write: never a reason to redeliver
                await result.saving
            log.info(
                "page.fetched",
                page_key=key,
                items=len(result.items),
                not_modified=len(result.not_modified),
                failed=len(result.failed),
                fanned_out=len(follow_ups),
                job_error=job_error,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )

        page_message = PageMessage(envelope=_stamped(message.envelope), page=page)
        return Handled(outputs=[*follow_ups, page_message], after_ack=fetched)


def _stamped(envelope: Envelope) -> Envelope:
    return envelope.model_copy(update={"created_at": utc_now()})
