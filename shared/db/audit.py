"""The audit trail: one row per state-changing request, newest read first."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import aiomysql

from shared.db.times import from_db, to_db
from shared.models.dashboard import AuditEntryOut

ANONYMOUS = "none"  # the token id of writes allowed without one (API_ALLOW_ANONYMOUS_WRITES)


def token_id(token: str | None) -> str:
    """First 8 hex of the token's sha256: tells tokens apart without revealing one."""
    if not token:
        return ANONYMOUS
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()[:8]


async def record_audit(
    pool: aiomysql.Pool,
    *,
    at: datetime,
    action: str,
    client: str,
    token: str | None,
    target: str | None,
) -> None:
    """Add one entry and commit it."""
    async with pool.acquire() as conn:
        async with conn.cursor() as cur:
            await cur.execute(
                "INSERT INTO audit_log (at, action, client, token_id, target)"
                " VALUES (%s, %s, %s, %s, %s)",
                (to_db(at), action[:64], client[:191], token_id(token), _clip(target)),
            )
        await conn.commit()


async def list_audit(
    pool: aiomysql.Pool, *, limit: int, offset: int
) -> tuple[list[AuditEntryOut], int]:
    """One page of entries, newest first, and how many there are in all."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT COUNT(*) FROM audit_log")
        (total,) = await cur.fetchone()
        await cur.execute(
            "SELECT id, at, action, client, token_id, target FROM audit_log"
            " ORDER BY id DESC LIMIT %s OFFSET %s",
            (limit, offset),
        )
        rows = await cur.fetchall()
        await conn.commit()  # ends the read snapshot so the pooled connection sees new data
    return [_entry(row) for row in rows], int(total)


def _clip(target: str | None) -> str | None:
    return target[:1000] if target else None


def _entry(row: tuple[Any, ...]) -> AuditEntryOut:
    entry_id, at, action, client, tid, target = row
    return AuditEntryOut(
        id=int(entry_id),
        at=from_db(at) or at,
        action=action,
        client=client,
        token_id=tid,
        target=target,
    )
