"""Small builders for jobs and pages used by the integration tests."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import aiomysql
import orjson

from shared.db.jobs import get_job, open_job
from shared.models.envelope import Envelope
from shared.models.jobs import JobTrigger, SyncJobRow
from shared.models.pages import FailedItem, FetchedItem, Page, PageMessage
from shared.models.spec import SyncSpec
from shared.values.clock import utc_now
from shared.values.hashing import content_hash


async def new_job(
    pool: aiomysql.Pool,
    *,
    force_sync: bool = False,
    params: dict[str, Any] | None = None,
    operation: str = "list",
) -> SyncJobRow:
    """Open a manual pokemon job, a complete list sync unless told otherwise.

    Tests open identical jobs side by side, so each new job gives up its active key:
    the next identical one is a job of its own, not this one returned again.
    """
    spec = SyncSpec.model_validate(
        {
            "source": "pokemon",
            "operation": operation,
            "params": params or {},
            "force_sync": force_sync,
        }
    )
    job, created = await open_job(pool, spec, trigger=JobTrigger.MANUAL, trace_id=uuid.uuid4().hex)
    assert created
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("UPDATE sync_jobs SET active_key = NULL WHERE id = %s", (str(job.id),))
        await conn.commit()
    return job


def item(external_id: int, **payload: Any) -> FetchedItem:
    """A fetched item whose payload is ``{"id": ..., "name": ..., **payload}`` as JSON text."""
    name = f"mon-{external_id}"
    document = {"id": external_id, "name": name, **payload}
    return FetchedItem(
        external_id=str(external_id),
        name=name,
        content_hash=content_hash(document),
        payload=orjson.dumps(document).decode(),
    )


def page(
    job: SyncJobRow,
    key: str,
    items: list[FetchedItem],
    *,
    failed: list[FailedItem] | None = None,
    pages_total: int | None = None,
    fetched_at: datetime | None = None,
) -> PageMessage:
    """A page of ``job`` as a writer reads it from the stream."""
    return PageMessage(
        envelope=Envelope(
            job_id=job.id, source=job.source, trace_id=job.trace_id, created_at=utc_now()
        ),
        page=Page(
            page_key=key,
            items=items,
            failed=failed or [],
            pages_total=pages_total,
            fetched_at=fetched_at or utc_now(),
        ),
    )


def earlier(seconds: float) -> datetime:
    """A moment ``seconds`` ago."""
    return utc_now() - timedelta(seconds=seconds)


async def reload(pool: aiomysql.Pool, job: SyncJobRow) -> SyncJobRow:
    """The job as stored now."""
    fresh = await get_job(pool, job.id)
    assert fresh is not None
    return fresh


async def stored_items(pool: aiomysql.Pool) -> dict[str, tuple[str, str, datetime]]:
    """external_id → (payload text, content hash, updated_at) for every pokemon row."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT external_id, payload, content_hash, updated_at FROM items"
            " JOIN item_payloads ON item_id = id WHERE api_source = 'pokemon'"
        )
        rows = await cur.fetchall()
        await conn.commit()
    return {row[0]: (row[1], row[2], row[3]) for row in rows}
