"""``item-sync writer``: consume ``itemsync:pages`` in group ``writers``."""

from __future__ import annotations

from services.writer.handler import PageWriter
from shared.models.pages import PageMessage
from shared.recovery import Redriver
from shared.runtime.consumer_service import BatchBounds, ConsumerService, Resources
from shared.sources.registry import build_planners
from shared.streams import names
from shared.streams.codec import decode_page
from shared.streams.handler import Consumer, WholeBatch


async def _writer(resources: Resources) -> Consumer[PageMessage]:
    writer = PageWriter(
        redis=resources.redis,
        pool=resources.pool,
        settings=resources.settings.writer,
        stop=resources.stop,
    )
    # One transaction per batch: the loop retries a failing batch page by page.
    return Consumer(kind="page", decode=decode_page, handler=WholeBatch(writer.write))


async def _redrive(resources: Resources) -> None:
    """Re-drive jobs whose work Redis lost: writers always run, the scheduler may not."""
    redriver = Redriver(
        redis=resources.redis,
        pool=resources.pool,
        planners=build_planners(resources.settings),  # re-drives a job of any source
        quiet=resources.settings.worker.redrive_after,
    )
    await redriver.run_until(resources.stop)


WRITER = ConsumerService(
    role="writer",
    stream=names.PAGES,
    group=names.WRITERS,
    batch=lambda settings: BatchBounds(
        count=settings.writer.batch_size,
        max_bytes=settings.writer.batch_max_bytes,
        linger_s=settings.writer.linger.total_seconds(),
    ),
    build=_writer,
    mysql_in_health=True,
    beside=_redrive,
)
run = WRITER.run
