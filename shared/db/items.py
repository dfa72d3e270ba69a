"""Reading items: the queries behind ``GET /items`` and ``GET /items/{id}``."""

from __future__ import annotations

from typing import Any

import aiomysql

from shared.db.times import from_db
from shared.models.items import ItemRow

_COLUMNS = (
    "id, api_source, external_id, name, content_hash, created_at, updated_at, synced_at, deleted_at"
)


async def list_items(
    pool: aiomysql.Pool,
    *,
    api_source: str | None,
    limit: int,
    offset: int,
    include_deleted: bool = False,
) -> tuple[list[ItemRow], int]:
    """One page of items in id order, and how many match in all."""
    where, args = _filters(api_source=api_source, include_deleted=include_deleted)
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(f"SELECT COUNT(*) FROM items {where}", args)  # noqa: S608 - fixed fragments
        (total,) = await cur.fetchone()
        await cur.execute(
            f"SELECT {_COLUMNS} FROM items {where} ORDER BY id LIMIT %s OFFSET %s",  # noqa: S608
            (*args, limit, offset),
        )
        rows = await cur.fetchall()
        await conn.commit()  # ends the read snapshot so the pooled connection sees new data
    return [_row(row) for row in rows], int(total)


async def get_item(
    pool: aiomysql.Pool, item_id: int, *, include_deleted: bool = False
) -> ItemRow | None:
    """One item with its payload text, or None."""
    where, args = _filters(api_source=None, include_deleted=include_deleted)
    clause = f"{where} AND id = %s" if where else "WHERE id = %s"
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(f"SELECT {_COLUMNS}, payload FROM items {clause}", (*args, item_id))  # noqa: S608
        row = await cur.fetchone()
        await conn.commit()
    return None if row is None else _row(row)


def _filters(*, api_source: str | None, include_deleted: bool) -> tuple[str, tuple[Any, ...]]:
    conditions: list[str] = []
    args: list[Any] = []
    if api_source is not None:
        conditions.append("api_source = %s")
        args.append(api_source)
    if not include_deleted:
        conditions.append("deleted_at IS NULL")
    return ("WHERE " + " AND ".join(conditions) if conditions else ""), tuple(args)


def _row(row: tuple[Any, ...]) -> ItemRow:
    return ItemRow(
        id=row[0],
        api_source=row[1],
        external_id=row[2],
        name=row[3],
        content_hash=row[4],
        created_at=from_db(row[5]),
        updated_at=from_db(row[6]),
        synced_at=from_db(row[7]),
        deleted_at=from_db(row[8]),
        payload_json=row[9] if len(row) > 9 else None,
    )


async def search_items(
    pool: aiomysql.Pool, text: str, *, api_source: str | None, limit: int
) -> list[ItemRow]:
    """Live items whose name starts with ``text`` or whose upstream id is ``text``."""
    where, args = _filters(api_source=api_source, include_deleted=False)
    prefix = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    match = "(name LIKE %s OR external_id = %s)"
    clause = f"{where} AND {match}" if where else f"WHERE {match}"
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            f"SELECT {_COLUMNS} FROM items {clause} ORDER BY name, id LIMIT %s",  # noqa: S608
            (*args, prefix, text, limit),
        )
        rows = await cur.fetchall()
        await conn.commit()
    return [_row(row) for row in rows]
