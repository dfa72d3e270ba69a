"""Sync jobs: open one (at most one open per identical request), read them.

Every later change of a job row is in ``shared/db/job_transitions.py``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import aiomysql
import orjson
import pymysql

from shared.db.job_transitions import OPEN_CONDITION, OPEN_STATUSES
from shared.db.times import from_db, to_db
from shared.models.jobs import JobStatus, JobTrigger, SyncJobRow
from shared.models.spec import SyncSpec
from shared.values.clock import utc_now

_COLUMNS = (
    "id, source, `trigger`, operation, params, force_sync, status, trace_id, started_at,"
    " finished_at, pages_total, pages_done, items_seen, items_created, items_updated,"
    " items_unchanged, items_failed, error, items_deleted, change_signal, signal_skipped"
)
_DUPLICATE_KEY = 1062
_OPEN_ATTEMPTS = 3  # the open job may end between our insert and our select


async def open_job(
    pool: aiomysql.Pool,
    spec: SyncSpec,
    *,
    trigger: JobTrigger,
    trace_id: str,
    pages_total: int | None = None,
    walks: int | None = None,
) -> tuple[SyncJobRow, bool]:
    """Open a pending job for ``spec``, or return the identical one still open; True when new."""
    key = spec.active_key
    for _ in range(_OPEN_ATTEMPTS):
        job_id = uuid.uuid4()
        async with pool.acquire() as conn:
            try:
                async with conn.cursor() as cur:
                    await cur.execute(
                        "INSERT INTO sync_jobs (id, source, `trigger`, operation, params,"
                        " force_sync, status, trace_id, active_key, started_at, pages_total,"
                        " walks) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                        (
                            str(job_id),
                            spec.source,
                            trigger.value,
                            spec.operation,
                            spec.stored_params(),
                            spec.force_sync,
                            JobStatus.PENDING.value,
                            trace_id,
                            key,
                            to_db(utc_now()),
                            pages_total,
                            walks,
                        ),
                    )
                await conn.commit()
            except pymysql.err.IntegrityError as exc:
                await conn.rollback()
                if exc.args[0] != _DUPLICATE_KEY:
                    raise
                existing = await _open_job_by_key(conn, key)
                if existing is not None:
                    return existing, False
                continue
        job = await get_job(pool, job_id)
        if job is not None:
            return job, True
    raise RuntimeError("could not open a job: the identical open job kept changing")


async def get_job(pool: aiomysql.Pool, job_id: uuid.UUID) -> SyncJobRow | None:
    """One job, or None."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(f"SELECT {_COLUMNS} FROM sync_jobs WHERE id = %s", (str(job_id),))  # noqa: S608
        row = await cur.fetchone()
        await conn.commit()
    return None if row is None else _row(row)


async def list_jobs(
    pool: aiomysql.Pool,
    *,
    source: str | None,
    status: JobStatus | None,
    limit: int,
    offset: int,
) -> tuple[list[SyncJobRow], int]:
    """Jobs newest first, filtered, and how many match in all."""
    conditions: list[str] = []
    args: list[Any] = []
    if source is not None:
        conditions.append("source = %s")
        args.append(source)
    if status is not None:
        conditions.append("status = %s")
        args.append(status.value)
    where = ("WHERE " + " AND ".join(conditions)) if conditions else ""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(f"SELECT COUNT(*) FROM sync_jobs {where}", args)  # noqa: S608
        (total,) = await cur.fetchone()
        await cur.execute(
            f"SELECT {_COLUMNS} FROM sync_jobs {where}"  # noqa: S608 - fixed fragments
            " ORDER BY started_at DESC, id LIMIT %s OFFSET %s",
            (*args, limit, offset),
        )
        rows = await cur.fetchall()
        await conn.commit()
    return [_row(row) for row in rows], int(total)


async def _open_job_by_key(conn: aiomysql.Connection, key: str) -> SyncJobRow | None:
    async with conn.cursor() as cur:
        await cur.execute(f"SELECT {_COLUMNS} FROM sync_jobs WHERE active_key = %s", (key,))  # noqa: S608
        row = await cur.fetchone()
    await conn.commit()
    return None if row is None else _row(row)


def _row(row: tuple[Any, ...]) -> SyncJobRow:
    return SyncJobRow(
        id=uuid.UUID(row[0]),
        source=row[1],
        trigger=JobTrigger(row[2]),
        operation=row[3],
        params=orjson.loads(row[4]),
        force_sync=bool(row[5]),
        status=JobStatus(row[6]),
        trace_id=row[7],
        started_at=from_db(row[8]),
        finished_at=from_db(row[9]),
        pages_total=row[10],
        pages_done=row[11],
        items_seen=row[12],
        items_created=row[13],
        items_updated=row[14],
        items_unchanged=row[15],
        items_failed=row[16],
        error=row[17],
        items_deleted=row[18],
        change_signal=row[19],
        signal_skipped=bool(row[20]),
    )


async def open_job_for_source(pool: aiomysql.Pool, source: str) -> SyncJobRow | None:
    """The oldest job of ``source`` still pending or running, if any."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            f"SELECT {_COLUMNS} FROM sync_jobs"  # noqa: S608 - fixed fragments
            f" WHERE source = %s AND {OPEN_CONDITION} ORDER BY started_at LIMIT 1",
            (source, *OPEN_STATUSES),
        )
        row = await cur.fetchone()
        await conn.commit()
    return None if row is None else _row(row)


async def quiet_open_jobs(
    pool: aiomysql.Pool, *, quiet_since: datetime, job_id: uuid.UUID | None = None
) -> list[SyncJobRow]:
    """Open jobs started before ``quiet_since`` with no page written since then, oldest first.

    ``job_id`` narrows the question to one job.
    """
    only = " AND j.id = %s" if job_id is not None else ""
    args: list[Any] = [*OPEN_STATUSES, to_db(quiet_since), to_db(quiet_since)]
    if job_id is not None:
        args.append(str(job_id))
    columns = ", ".join(f"j.{column.strip()}" for column in _COLUMNS.split(","))
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            f"SELECT {columns} FROM sync_jobs j"  # noqa: S608 - fixed fragments
            f" WHERE j.{OPEN_CONDITION} AND j.started_at < %s"
            " AND NOT EXISTS (SELECT 1 FROM sync_job_pages p"
            " WHERE p.job_id = j.id AND p.written_at >= %s)"
            f"{only} ORDER BY j.started_at",
            args,
        )
        rows = await cur.fetchall()
        await conn.commit()
    return [_row(row) for row in rows]


async def force_flags(conn: aiomysql.Connection, job_ids: set[uuid.UUID]) -> dict[uuid.UUID, bool]:
    """``force_sync`` of each job that exists, in the caller's transaction."""
    if not job_ids:
        return {}
    marks = ", ".join(["%s"] * len(job_ids))
    async with conn.cursor() as cur:
        await cur.execute(
            f"SELECT id, force_sync FROM sync_jobs WHERE id IN ({marks})",  # noqa: S608 - placeholders
            [str(job_id) for job_id in job_ids],
        )
        return {uuid.UUID(row[0]): bool(row[1]) for row in await cur.fetchall()}
