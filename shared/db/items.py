"""Reading items: the queries behind ``GET /items`` and ``GET /items/{id}``.

A page is read in the order of its sort key with the row id as tie-break, so a
cursor (the last row's id, and its write time when sorting by it) starts the next
page exactly where this one ended, whatever was inserted meanwhile. The unfiltered
total comes from the counts the writer keeps; a filtered total is counted over the
filter's index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import aiomysql

from shared.db.item_counts import read_item_count
from shared.db.times import from_db, to_db
from shared.errors import NotFound
from shared.models.item_cursor import ItemCursor, ItemSort
from shared.models.items import ItemRow

_COLUMNS = (
    "id, api_source, external_id, name, content_hash, created_at, updated_at, synced_at, deleted_at"
)
ITEM_COLUMNS = tuple(name.strip() for name in _COLUMNS.split(","))
_SORT_COLUMNS: dict[str, str] = {"external_id": "external_sort_key", "updated_at": "updated_at"}
_LIKE_ESCAPE = "!"  # not a backslash: its meaning in a literal depends on the SQL mode


@dataclass(frozen=True)
class ItemFilters:
    """What a listed item must match; None means any."""

    api_source: str | None = None
    include_deleted: bool = False
    external_id: str | None = None
    name: str | None = None
    name_prefix: str | None = None
    updated_since: datetime | None = None
    changed_in_job: UUID | None = None

    @property
    def narrows_rows(self) -> bool:
        """True when the kept counts cannot answer the total."""
        return any(
            value is not None
            for value in (
                self.external_id,
                self.name,
                self.name_prefix,
                self.updated_since,
                self.changed_in_job,
            )
        )


@dataclass(frozen=True)
class ItemsListing:
    """One page of rows, the total that match, and the key of the page's last row."""

    rows: list[ItemRow]
    total: int
    next_cursor: ItemCursor | None


async def list_items(
    pool: aiomysql.Pool,
    filters: ItemFilters,
    *,
    sort: ItemSort = "id",
    limit: int,
    offset: int = 0,
    after: ItemCursor | None = None,
) -> ItemsListing:
    """One page of items in ``sort`` order, past ``after`` (when given) and ``offset`` more.

    Raises ``NotFound`` when the sort needs the key of an ``after`` item that is not stored.
    """
    where, args = _filters(filters)
    order = f"{_SORT_COLUMNS[sort]}, id" if sort in _SORT_COLUMNS else "id"
    async with pool.acquire() as conn, conn.cursor() as cur:
        page_where, page_args = where, args
        if after is not None:
            key = await _cursor_key(conn, cur, sort, after)
            page_where, page_args = _past(where, args, sort, key, after.id)
        await cur.execute(
            f"SELECT {_COLUMNS} FROM items {page_where}"  # noqa: S608 - fixed fragments
            f" ORDER BY {order} LIMIT %s OFFSET %s",
            (*page_args, limit + 1, offset),
        )
        fetched = list(await cur.fetchall())
        if filters.narrows_rows:
            await cur.execute(f"SELECT COUNT(*) FROM items {where}", args)  # noqa: S608
            (total,) = await cur.fetchone()
        else:
            total = await read_item_count(
                conn, api_source=filters.api_source, include_deleted=filters.include_deleted
            )
        await conn.commit()  # ends the read snapshot so the pooled connection sees new data
    rows = [_row(row) for row in fetched[:limit]]
    next_cursor = None
    if len(fetched) > limit and rows:
        last = rows[-1]
        next_cursor = ItemCursor(
            id=last.id, updated_at=last.updated_at if sort == "updated_at" else None
        )
    return ItemsListing(rows=rows, total=int(total), next_cursor=next_cursor)


async def _cursor_key(
    conn: aiomysql.Connection, cur: aiomysql.Cursor, sort: ItemSort, after: ItemCursor
) -> Any:
    """The sort key to continue after: the cursor's own time, else the item's stored key."""
    if sort == "id":
        return None
    if sort == "updated_at" and after.updated_at is not None:
        return to_db(after.updated_at)
    await cur.execute(
        f"SELECT {_SORT_COLUMNS[sort]} FROM items WHERE id = %s",  # noqa: S608 - fixed names
        (after.id,),
    )
    row = await cur.fetchone()
    if row is None:
        await conn.commit()  # a connection handed back mid-transaction would be closed
        raise NotFound(f"no item {after.id} to continue after")
    return row[0]


async def get_items_values(
    pool: aiomysql.Pool, item_ids: Sequence[int], *, include_deleted: bool = False
) -> dict[int, tuple[Any, ...]]:
    """The columns (``ITEM_COLUMNS``, then the payload text) of those of ``item_ids`` that
    exist, as MySQL sent them, by id.

    One round trip on an autocommit pool for the whole batch; the values are rendered
    straight to JSON, with no model built per row.
    """
    if not item_ids:
        return {}
    where, args = _filters(ItemFilters(include_deleted=include_deleted))
    wanted = f"id IN ({', '.join(['%s'] * len(item_ids))})"
    clause = f"{where} AND {wanted}" if where else f"WHERE {wanted}"
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            f"SELECT {_COLUMNS}, payload FROM items"  # noqa: S608
            f" LEFT JOIN item_payloads ON item_id = id {clause}",
            (*args, *item_ids),
        )
        rows = await cur.fetchall()
        await _end_snapshot(conn)
    return {int(row[0]): tuple(row) for row in rows}  # id is the first of ITEM_COLUMNS


async def find_item_id(pool: aiomysql.Pool, api_source: str, external_id: str) -> int | None:
    """The id of a source's item (deleted ones too), or None; ids never change once given."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT id FROM items WHERE api_source = %s AND external_id = %s",
            (api_source, external_id),
        )
        row = await cur.fetchone()
        await _end_snapshot(conn)
    return None if row is None else int(row[0])


async def _end_snapshot(conn: aiomysql.Connection) -> None:
    """End the read's transaction, so the pooled connection sees later writes."""
    if not conn.get_autocommit():  # in autocommit the statement was its own transaction
        await conn.commit()


def _filters(filters: ItemFilters) -> tuple[str, tuple[Any, ...]]:
    conditions: list[str] = []
    args: list[Any] = []
    for condition, value in (
        ("api_source = %s", filters.api_source),
        ("external_id = %s", filters.external_id),
        ("name = %s", filters.name),
        (f"name LIKE %s ESCAPE '{_LIKE_ESCAPE}'", _prefix_pattern(filters.name_prefix)),
        (
            "updated_at >= %s",
            None if filters.updated_since is None else to_db(filters.updated_since),
        ),
        (
            "changed_in_job = %s",
            None if filters.changed_in_job is None else str(filters.changed_in_job),
        ),
    ):
        if value is not None:
            conditions.append(condition)
            args.append(value)
    if not filters.include_deleted:
        conditions.append("deleted_at IS NULL")
    return ("WHERE " + " AND ".join(conditions) if conditions else ""), tuple(args)


def _past(
    where: str, args: tuple[Any, ...], sort: ItemSort, key: Any, item_id: int
) -> tuple[str, tuple[Any, ...]]:
    """The page's WHERE: the filters, and only rows past (key, id) in the sort order."""
    joiner = f"{where} AND" if where else "WHERE"
    if sort == "id":
        return f"{joiner} id > %s", (*args, item_id)
    column = _SORT_COLUMNS[sort]
    # Written so the index on the key column gives a range, which a row comparison may not.
    condition = f"{column} >= %s AND ({column} > %s OR id > %s)"
    return f"{joiner} {condition}", (*args, key, key, item_id)


def _prefix_pattern(prefix: str | None) -> str | None:
    if prefix is None:
        return None
    escaped = "".join(
        f"{_LIKE_ESCAPE}{char}" if char in f"%_{_LIKE_ESCAPE}" else char for char in prefix
    )
    return escaped + "%"


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
    conditions = [
        "deleted_at IS NULL",
        f"(name LIKE %s ESCAPE '{_LIKE_ESCAPE}' OR external_id = %s)",
    ]
    args: list[Any] = [_prefix_pattern(text), text]
    if api_source is not None:
        conditions.insert(0, "api_source = %s")
        args.insert(0, api_source)
    clause = "WHERE " + " AND ".join(conditions)
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            f"SELECT {_COLUMNS} FROM items {clause} ORDER BY name, id LIMIT %s",  # noqa: S608
            (*args, limit),
        )
        rows = await cur.fetchall()
        await conn.commit()
    return [_row(row) for row in rows]
