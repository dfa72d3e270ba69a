"""GET /items against real MariaDB: each filter, each sort, and keyset pages."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import aiomysql
import orjson
import pytest
from aiohttp.test_utils import TestClient

from services.writer.upsert import apply_batch
from shared.models.jobs import SyncJobRow
from shared.models.pages import FetchedItem
from shared.values.clock import utc_now
from shared.values.hashing import content_hash
from tests.integration.jobs_helpers import item, new_job, page

Client = TestClient[Any, Any]
MAX_STATEMENT = 4 * 1024 * 1024


def named(external_id: str, name: str) -> FetchedItem:
    """A fetched item with the given upstream id and name."""
    document = {"id": external_id, "name": name}
    return FetchedItem(
        external_id=external_id,
        name=name,
        content_hash=content_hash(document),
        payload=orjson.dumps(document).decode(),
    )


async def _write(pool: aiomysql.Pool, items: list[FetchedItem], **job: Any) -> SyncJobRow:
    """One single-page partial sync (a detail sync: nothing is marked deleted) of ``items``."""
    written = await new_job(pool, operation="detail", params=job or {"id": uuid.uuid4().hex})
    async with pool.acquire() as conn:
        await apply_batch(
            conn,
            [page(written, "detail", items, pages_total=1)],
            max_statement_bytes=MAX_STATEMENT,
        )
    return written


async def _items(client: Client, **query: Any) -> dict[str, Any]:
    response = await client.get("/items", params=query)
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def _external_ids(client: Client, **query: Any) -> list[str]:
    return [entry["external_id"] for entry in (await _items(client, **query))["items"]]


async def test_external_id_filter_finds_one_item(api_client: Client, pool: aiomysql.Pool) -> None:
    """external_id= answers the one item with that upstream id, and a total of 1."""
    await _write(pool, [item(i) for i in (1, 2, 25)])
    body = await _items(api_client, external_id="25")
    assert [entry["name"] for entry in body["items"]] == ["mon-25"]
    assert body["total"] == 1


async def test_name_filters_match_exactly_or_by_prefix(
    api_client: Client, pool: aiomysql.Pool
) -> None:
    """name= matches whole names ignoring case; name_prefix= takes % and _ literally."""
    await _write(
        pool,
        [
            named("1", "pikachu"),
            named("2", "pikachu-rock-star"),
            named("3", "pichu"),
            named("4", "100%_real"),
            named("5", "100xyreal"),
        ],
    )
    assert await _external_ids(api_client, name="PIKACHU") == ["1"]
    assert await _external_ids(api_client, name_prefix="pika", sort="external_id") == ["1", "2"]
    assert await _external_ids(api_client, name_prefix="100%_") == ["4"]
    assert (await _items(api_client, name_prefix="pi"))["total"] == 3


async def test_updated_since_lists_only_later_writes(
    api_client: Client, pool: aiomysql.Pool
) -> None:
    """updated_since= keeps items written at or after that time."""
    await _write(pool, [item(1), item(2)])
    await asyncio.sleep(0.01)
    since = utc_now()
    await _write(pool, [item(3)])
    assert await _external_ids(api_client, updated_since=since.isoformat()) == ["3"]
    later = (since + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert (await _items(api_client, updated_since=later))["total"] == 0


async def test_changed_in_job_lists_what_the_job_wrote(
    api_client: Client, pool: aiomysql.Pool
) -> None:
    """changed_in_job= lists the items a job created or updated, not the ones it left alone."""
    await _write(pool, [item(1), item(2)])
    second = await _write(pool, [item(2, weight=9), item(3), item(1)])
    body = await _items(api_client, changed_in_job=str(second.id), sort="external_id")
    assert [entry["external_id"] for entry in body["items"]] == ["2", "3"]
    assert body["total"] == 2


async def test_external_id_sort_is_numeric_then_text(
    api_client: Client, pool: aiomysql.Pool
) -> None:
    """sort=external_id puts 2 before 10 and non-numeric ids after every number."""
    await _write(pool, [named(key, f"n{key}") for key in ("10", "2", "London", "1", "Berlin")])
    assert await _external_ids(api_client, sort="external_id") == [
        "1",
        "2",
        "10",
        "Berlin",
        "London",
    ]


async def test_updated_at_sort_lists_oldest_writes_first(
    api_client: Client, pool: aiomysql.Pool
) -> None:
    """sort=updated_at follows write time, not id."""
    await _write(pool, [item(1), item(2)])
    await asyncio.sleep(0.01)
    await _write(pool, [item(1, weight=5)])
    assert await _external_ids(api_client, sort="updated_at") == ["2", "1"]


@pytest.mark.parametrize("sort", ["id", "external_id", "updated_at"])
async def test_keyset_pages_skip_and_repeat_nothing_while_rows_arrive(
    api_client: Client, pool: aiomysql.Pool, sort: str
) -> None:
    """Following next_after lists every item present at the start exactly once, inserts or not."""
    await _write(pool, [item(i) for i in range(1, 61)])
    seen: list[str] = []
    after: str | None = None
    arriving = iter(range(1000, 1100))
    while True:
        query: dict[str, Any] = {"limit": 7, "sort": sort}
        if after is not None:
            query["after"] = after
        body = await _items(api_client, **query)
        seen.extend(entry["external_id"] for entry in body["items"])
        await _write(pool, [item(next(arriving)), item(next(arriving))])  # during the walk
        after = body["next_after"]
        if after is None:
            break
    originals = [key for key in seen if int(key) < 1000]
    assert len(seen) == len(set(seen))
    assert sorted(map(int, originals)) == list(range(1, 61))


async def test_a_malformed_cursor_answers_422_naming_after(api_client: Client) -> None:
    """A cursor that does not have a cursor's shape is refused, naming the field."""
    for raw in ("not-a-cursor", "12-", "-5", "1.5", "1" * 20):
        response = await api_client.get("/items", params={"after": raw})
        assert response.status == 422, raw
        body = await response.json()
        assert body["error"]["details"][0]["field"] == "after", body


async def test_a_cursor_naming_no_item_answers_404_when_its_key_is_needed(
    api_client: Client, pool: aiomysql.Pool
) -> None:
    """By id any cursor is a position; by external_id the item's key must exist."""
    await _write(pool, [item(1)])
    assert (await api_client.get("/items", params={"after": "999999"})).status == 200
    missing = await api_client.get("/items", params={"after": "999999", "sort": "external_id"})
    assert missing.status == 404


async def test_offset_after_a_cursor_skips_further(api_client: Client, pool: aiomysql.Pool) -> None:
    """after= and offset= together: the rows past the cursor, less the first offset of them."""
    await _write(pool, [item(i) for i in range(1, 11)])
    first = await _items(api_client, limit=3, sort="updated_at")
    skipped = await _items(
        api_client, limit=2, offset=2, after=first["next_after"], sort="updated_at"
    )
    rest = await _items(api_client, limit=7, after=first["next_after"], sort="updated_at")
    assert skipped["items"] == rest["items"][2:4]


@pytest.mark.parametrize(
    "query",
    [
        {"updated_since": "1700000000"},
        {"updated_since": "2026-01-01T00:00:00"},
        {"updated_since": "2026-02-30T00:00:00Z"},
        {"updated_since": "2026-13-01T00:00:00Z"},
        {"changed_in_job": "{12345678-1234-1234-1234-123456789abc}"},
        {"sort": "name"},
        {"name": ""},
        {"external_id": "x" * 192},
        {"name_prefix": "\udcff"},
    ],
)
async def test_bad_filters_answer_422(api_client: Client, query: dict[str, str]) -> None:
    """Every malformed filter is a 422, never a 500."""
    response = await api_client.get("/items", params=query)
    assert response.status == 422


@pytest.mark.parametrize(
    "since", ["0075-11-29T22:07:50.250-16:10", "0000-01-01T00:00:00Z", "2020-01-01t00:00:60z"]
)
async def test_any_rfc_3339_time_is_taken(
    api_client: Client, pool: aiomysql.Pool, since: str
) -> None:
    """Times before MySQL's range, year 0000 and leap seconds are taken, not refused."""
    await _write(pool, [item(1)])
    assert await _external_ids(api_client, updated_since=since) == ["1"]


async def test_an_unknown_parameter_lists_the_allowed_ones(api_client: Client) -> None:
    """A misspelt parameter answers 422 naming every parameter GET /items takes."""
    response = await api_client.get("/items", params={"name_prefx": "pi"})
    assert response.status == 422
    message = (await response.json())["error"]["details"][0]["message"]
    for name in ("after", "sort", "external_id", "name_prefix", "updated_since", "changed_in_job"):
        assert name in message
