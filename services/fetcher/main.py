"""``item-sync fetcher``: consume ``itemsync:commands`` in group ``fetchers``."""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp

from services.fetcher.handler import CommandFetcher
from shared.db.background import finish_background
from shared.models.commands import CommandMessage
from shared.runtime.consumer_service import BatchBounds, ConsumerService, Resources
from shared.sources.base import SourceFetcher
from shared.sources.registry import build_fetchers
from shared.streams import names
from shared.streams.codec import decode_command
from shared.streams.from_settings import pages_gate
from shared.streams.handler import Consumer, EachMessage

SAVES_GRACE_S = 5.0  # how long a stopping fetcher waits for list answers being saved


async def _fetcher(resources: Resources) -> Consumer[CommandMessage]:
    session = await resources.stack.enter_async_context(
        # No cookie jar: nothing an API sets is sent on, to it or to another host.
        aiohttp.ClientSession(
            headers={"User-Agent": "item-sync/0.1"}, cookie_jar=aiohttp.DummyCookieJar()
        )
    )
    # Runs before the pool closes (the stack unwinds in reverse): list answers still
    # being saved get to finish.
    resources.stack.push_async_callback(finish_background, SAVES_GRACE_S)
    # The pool holds stored validators for conditional requests; while MySQL is down,
    # requests simply go out unconditionally.
    return command_consumer(
        build_fetchers(resources.settings, session, resources.redis, resources.pool)
    )


def command_consumer(sources: Mapping[str, SourceFetcher]) -> Consumer[CommandMessage]:
    """The fetcher's side of the loop: each command concurrently, acked with its outputs."""
    fetcher = CommandFetcher(sources=sources)
    return Consumer(kind="command", decode=decode_command, handler=EachMessage(fetcher.fetch))


FETCHER = ConsumerService(
    role="fetcher",
    stream=names.COMMANDS,
    group=names.FETCHERS,
    batch=lambda settings: BatchBounds(count=settings.fetcher.batch_size),
    build=_fetcher,
    gate=pages_gate,  # writers behind: fetch nothing new, add nothing
    mysql_autocommit=True,  # validators: single-statement reads and one upsert, no COMMITs
)
run = FETCHER.run
