"""Sync jobs: open one (at most one open per identical request), read them."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

import aiomysql
import orjson
import pymysql

from shared.clock import utc_now
from shared.db.times import from_db, to_db
from shared.hashing import canonical_json
from shared.models.jobs import JobErrorRow, JobStatus, JobTrigger, SyncJobRow
from shared.redaction import redact

_COLUMNS = (
    "id, source, `trigger`, operation, params, force_sync, status, trace_id, started_at,"
    " finished_at, pages_total, pages_done, items_seen, items_created, items_updated,"
    " items_unchanged, items_failed, error, items_deleted"
)
_DUPLICATE_KEY = 1062
_OPEN_ATTEMPTS = 3  # the open job may end between our insert and our select


def active_key(source: str, operation: str, params: dict[str, Any], force_sync: bool) -> str:
    """What makes two sync requests identical: same source, operation, params and force."""
    spec = {"source": source, "operation": operation, "params": params, "force_sync": force_sync}
    return hashlib.sha256(canonical_json(spec)).hexdigest()


async def open_job(
    pool: aiomysql.Pool,
    *,
    source: str,
    trigger: JobTrigger,
    operation: str,
    params: dict[str, Any],
    force_sync: bool,
    trace_id: str,
    pages_total: int | None = None,
) -> tuple[SyncJobRow, bool]:
    """Open a pending job, or return the identical one still open; True when new."""
    key = active_key(source, operation, params, force_sync)
    for _ in range(_OPEN_ATTEMPTS):
        job_id = uuid.uuid4()
        async with pool.acquire() as conn:
            try:
                async with conn.cursor() as cur:
                    await cur.execute(
                        "INSERT INTO sync_jobs (id, source, `trigger`, operation, params,"
                        " force_sync, status, trace_id, active_key, started_at, pages_total)"
                        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                        (
                            str(job_id),
                            source,
                            trigger.value,
                            operation,
                            orjson.dumps(params).decode(),
                            force_sync,
                            JobStatus.PENDING.value,
                            trace_id,
                            key,
                            to_db(utc_now()),
                            pages_total,
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


async def fail_job(pool: aiomysql.Pool, job_id: uuid.UUID, error: str) -> None:
    """Close an open job as failed with a reason."""
    async with pool.acquire() as conn:
        async with conn.cursor() as cur:
            await cur.execute(
                "UPDATE sync_jobs SET status = %s, error = %s, finished_at = %s, active_key = NULL"
                " WHERE id = %s AND status IN ('pending', 'running')",
                (JobStatus.FAILED.value, redact(error)[:1000], to_db(utc_now()), str(job_id)),
            )
        await conn.commit()


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


async def job_errors(
    pool: aiomysql.Pool, job_id: uuid.UUID, *, limit: int
) -> tuple[list[JobErrorRow], int]:
    """The job's first ``limit`` item errors in the order recorded, and how many it has."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT COUNT(*) FROM sync_job_errors WHERE job_id = %s", (str(job_id),))
        (total,) = await cur.fetchone()
        await cur.execute(
            "SELECT external_id, error, attempts, recorded_at FROM sync_job_errors"
            " WHERE job_id = %s ORDER BY recorded_at, external_id LIMIT %s",
            (str(job_id), limit),
        )
        rows = await cur.fetchall()
        await conn.commit()
    errors = [
        JobErrorRow(
            external_id=external_id,
            error=error,
            attempts=attempts,
            recorded_at=from_db(recorded_at) or recorded_at,
        )
        for external_id, error, attempts, recorded_at in rows
    ]
    return errors, int(total)


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
    )


async def time_out_jobs(pool: aiomysql.Pool, older_than: datetime) -> list[uuid.UUID]:
    """Close open jobs started before ``older_than`` as ``timed_out``; return their ids."""
    async with pool.acquire() as conn:
        async with conn.cursor() as cur:
            await cur.execute(
                "SELECT id FROM sync_jobs WHERE status IN ('pending', 'running')"
                " AND started_at < %s FOR UPDATE",
                (to_db(older_than),),
            )
            ids = [uuid.UUID(row[0]) for row in await cur.fetchall()]
            if ids:
                marks = ", ".join(["%s"] * len(ids))
                await cur.execute(
                    "UPDATE sync_jobs SET status = 'timed_out', finished_at = %s,"  # noqa: S608
                    f" active_key = NULL, error = 'no progress before WORKER_JOB_TIMEOUT'"
                    f" WHERE id IN ({marks})",
                    (to_db(utc_now()), *[str(i) for i in ids]),
                )
        await conn.commit()
    return ids


async def open_job_for_source(pool: aiomysql.Pool, source: str) -> SyncJobRow | None:
    """The oldest job of ``source`` still pending or running, if any."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            f"SELECT {_COLUMNS} FROM sync_jobs"  # noqa: S608 - fixed fragments
            " WHERE source = %s AND status IN ('pending', 'running') ORDER BY started_at LIMIT 1",
            (source,),
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
    args: list[Any] = [to_db(quiet_since), to_db(quiet_since)]
    if job_id is not None:
        args.append(str(job_id))
    columns = ", ".join(f"j.{column.strip()}" for column in _COLUMNS.split(","))
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            f"SELECT {columns} FROM sync_jobs j"  # noqa: S608 - fixed fragments
            " WHERE j.status IN ('pending', 'running') AND j.started_at < %s"
            " AND NOT EXISTS (SELECT 1 FROM sync_job_pages p"
            " WHERE p.job_id = j.id AND p.written_at >= %s)"
            f"{only} ORDER BY j.started_at",
            args,
        )
        rows = await cur.fetchall()
        await conn.commit()
    return [_row(row) for row in rows]


async def written_page_keys(pool: aiomysql.Pool, job_id: uuid.UUID) -> set[str]:
    """The page keys the ledger holds for a job: pages already applied."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT page_key FROM sync_job_pages WHERE job_id = %s", (str(job_id),))
        rows = await cur.fetchall()
        await conn.commit()
    return {row[0] for row in rows}
