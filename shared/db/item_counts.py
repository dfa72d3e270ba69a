"""Items per source, kept by the writer in the transaction that changes the rows.

``GET /items`` reads its unfiltered total here instead of counting the table on
every request. The writer knows each row's outcome from its locked SELECT (created,
revived, marked deleted), so a delta is added exactly once per applied page and a
redelivered page, already in the ledger, adds nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import aiomysql


@dataclass
class CountDeltas:
    """Changes to live and deleted items per source within one transaction."""

    live: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    deleted: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def created(self, source: str) -> None:
        """A new row, live."""
        self.live[source] += 1

    def revived(self, source: str) -> None:
        """A deleted row written again: live once more."""
        self.live[source] += 1
        self.deleted[source] -= 1

    def marked_deleted(self, source: str, count: int) -> None:
        """Live rows that a complete sync no longer saw."""
        self.live[source] -= count
        self.deleted[source] += count


async def add_item_counts(conn: aiomysql.Connection, deltas: CountDeltas) -> None:
    """Add the deltas inside the caller's transaction (the rows' own)."""
    sources = sorted(
        source
        for source in set(deltas.live) | set(deltas.deleted)
        if deltas.live[source] or deltas.deleted[source]
    )
    if not sources:
        return
    async with conn.cursor() as cur:
        await cur.executemany(  # sorted, so two writers lock the count rows in one order
            "INSERT INTO source_item_counts (api_source, live, deleted) VALUES (%s, %s, %s)"
            " ON DUPLICATE KEY UPDATE live = live + VALUES(live),"
            " deleted = deleted + VALUES(deleted)",
            [(source, deltas.live[source], deltas.deleted[source]) for source in sources],
        )


async def read_item_count(
    conn: aiomysql.Connection, *, api_source: str | None, include_deleted: bool
) -> int:
    """Items of one source (or all), live only unless ``include_deleted``."""
    column = "live + deleted" if include_deleted else "live"
    where = "WHERE api_source = %s" if api_source is not None else ""
    async with conn.cursor() as cur:
        await cur.execute(
            f"SELECT COALESCE(SUM({column}), 0) FROM source_item_counts {where}",  # noqa: S608 - fixed fragments
            () if api_source is None else (api_source,),
        )
        (total,) = await cur.fetchone()
    return int(total)


RECOUNT_STATEMENTS = (
    # For rows written outside the writer (a bench's seeding): the counts from the rows.
    "DELETE FROM source_item_counts",
    "INSERT INTO source_item_counts (api_source, live, deleted)"
    " SELECT api_source, SUM(deleted_at IS NULL), SUM(deleted_at IS NOT NULL)"
    " FROM items GROUP BY api_source",
)
