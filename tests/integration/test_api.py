"""The HTTP API against real Redis and MariaDB: answers, errors, and what gets written."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiomysql
import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis

from services.api.app import create_app
from services.writer.upsert import apply_batch
from shared.cache.item_changes import announce_changed
from shared.config import Settings
from shared.streams import names
from shared.streams.codec import decode_command
from tests.integration.jobs_helpers import item, new_job, page

AUTH = {"Authorization": "Bearer test-token"}


async def _count(pool: aiomysql.Pool, table: str) -> int:
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - test constant
        (count,) = await cur.fetchone()
        await conn.commit()
    return int(count)


async def _store(pool: aiomysql.Pool, *ids: int, **payload: Any) -> None:
    job = await new_job(pool)
    async with pool.acquire() as conn:
        await apply_batch(
            conn,
            [page(job, "list:0", [item(i, **payload) for i in ids], pages_total=1)],
            max_statement_bytes=4 * 1024 * 1024,
        )


async def _item_id(pool: aiomysql.Pool, external_id: str) -> int:
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT id FROM items WHERE external_id = %s", (external_id,))
        (item_id,) = await cur.fetchone()
        await conn.commit()
    return int(item_id)


async def test_health_reports_every_check(api_client: TestClient[Any, Any]) -> None:
    """/health answers 200 with the Redis, MySQL and migrations checks ok."""
    response = await api_client.get("/health")
    assert response.status == 200
    body = await response.json()
    assert isinstance(body.pop("warnings"), list)  # they depend on how the test Redis runs
    assert body == {
        "status": "ok",
        "checks": {"redis": "ok", "mysql": "ok", "migrations": "ok"},
        "breakers": {"pokemon": "closed"},
    }


async def test_sync_opens_a_job_and_publishes_its_first_command(
    api_client: TestClient[Any, Any], pool: aiomysql.Pool, redis: Redis
) -> None:
    """POST /sync answers 202 with a pending job and puts one fan-out list command on the stream."""
    response = await api_client.post(
        "/sync", json={"api_source": "pokemon", "params": {"limit": 10}}, headers=AUTH
    )
    assert response.status == 202
    body = await response.json()
    assert body["status"] == "pending"
    assert body["links"]["self"] == f"/jobs/{body['job_id']}"
    entries: Any = await redis.xrange(names.COMMANDS)
    assert len(entries) == 1
    message = decode_command(entries[0][1])
    assert str(message.envelope.job_id) == body["job_id"]
    assert message.command.model_dump() == {
        "type": "list_page",
        "url": "https://pokeapi.co/api/v2/pokemon",
        "params": {"offset": "0", "limit": "10"},
        "page": 1,
        "cursor": None,
        "fanned": False,
        "fan_out": True,
        "for_each": None,
        "incremental": False,
        "conditional": True,  # not forced: stored validators may be sent
    }
    job = await (await api_client.get(f"/jobs/{body['job_id']}")).json()
    assert (job["status"], job["trigger"], job["source"]) == ("pending", "manual", "pokemon")


async def test_identical_sync_answers_with_the_open_job(
    api_client: TestClient[Any, Any], pool: aiomysql.Pool, redis: Redis
) -> None:
    """A second identical request while the first is open gets the same job, not a new one."""
    first = await (await api_client.post("/sync", json={}, headers=AUTH)).json()
    again = await api_client.post("/sync", json={}, headers=AUTH)
    assert again.status == 200
    body = await again.json()
    assert body["job_id"] == first["job_id"]
    assert body["deduplicated"] is True
    assert await _count(pool, "sync_jobs") == 1
    assert await redis.xlen(names.COMMANDS) == 1
    forced = await api_client.post("/sync", json={"force_sync": True}, headers=AUTH)
    assert forced.status == 202  # a different request is a different job


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"Authorization": "Bearer wrong"}, 403), ({"Authorization": "Basic x"}, 401)],
)
async def test_sync_requires_the_bearer_token(
    api_client: TestClient[Any, Any], pool: aiomysql.Pool, headers: dict[str, str], status: int
) -> None:
    """Without the right bearer token POST /sync is refused and nothing is written."""
    response = await api_client.post("/sync", json={}, headers=headers)
    assert response.status == status
    assert (await response.json())["error"]["code"] in ("unauthorized", "forbidden")
    assert await _count(pool, "sync_jobs") == 0


async def test_sync_is_forbidden_when_no_token_is_configured(
    settings: Settings, pool: aiomysql.Pool, redis: Redis
) -> None:
    """With no API_TOKEN and anonymous writes off, POST /sync answers 403."""
    open_settings = settings.model_copy(
        update={"api": settings.api.model_copy(update={"token": None})}
    )
    async with TestClient(TestServer(create_app(open_settings))) as anonymous:
        response = await anonymous.post("/sync", json={})
        assert response.status == 403
    assert await _count(pool, "sync_jobs") == 0


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (b"{not json", 400, "body"),
        (b"", 400, "body"),
        (b"[1, 2]", 422, None),
        (b'{"api_source": "digimon"}', 422, "api_source"),
        (b'{"params": {"limit": 0}}', 422, "params.limit"),
        (b'{"params": {"limit": 101}}', 422, "params.limit"),
        (b'{"params": {"offset": -1}}', 422, "params.offset"),
        (b'{"operation": "explode"}', 400, "operation"),
        (b'{"force_sync": "maybe"}', 422, "force_sync"),
        (b'{"surprise": 1}', 422, "surprise"),
        (b'{"operation": "detail", "params": {"id": "pikachu"}}', 422, "params.id"),
        (b'{"operation": "detail"}', 422, "params"),
        (b'{"operation": "detail", "params": {"id": "0000000000000000000"}}', 422, "params.id"),
        (b'{"operation": "detail", "params": {"id": 9223372036854775808}}', 422, "params.id"),
        (b'{"operation": "detail", "params": {"id": true}}', 422, "params.id"),
        (b'{"operation": "detail", "api_source": "openweather"}', 422, "api_source"),
        (b'{"operation": "list", "params": {"id": 1}}', 422, "params.id"),
        (b'{"api_source": ""}', 422, "api_source"),
        (b'{"params": {"limit": "5"}}', 422, "params.limit"),
        (b'{"force_sync": 1}', 422, "force_sync"),
    ],
)
async def test_bad_sync_requests_get_a_clear_4xx_and_change_nothing(
    api_client: TestClient[Any, Any],
    pool: aiomysql.Pool,
    redis: Redis,
    body: bytes,
    status: int,
    field: str | None,
) -> None:
    """Invalid JSON, unknown source, limits out of range, bad ids: 4xx naming the field."""
    response = await api_client.post("/sync", data=body, headers=AUTH)
    assert response.status == status
    error = (await response.json())["error"]
    assert error["message"]
    if field is not None:
        assert field in [detail["field"] for detail in error["details"]]
    assert await _count(pool, "sync_jobs") == 0
    assert await redis.xlen(names.COMMANDS) == 0


async def test_body_over_the_limit_is_refused_with_413(
    api_client: TestClient[Any, Any], pool: aiomysql.Pool
) -> None:
    """A body larger than API_MAX_BODY_BYTES answers 413 JSON."""
    response = await api_client.post("/sync", data=b"{" + b" " * 70_000 + b"}", headers=AUTH)
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "payload_too_large"
    assert await _count(pool, "sync_jobs") == 0


async def test_items_pages_through_stored_items(
    api_client: TestClient[Any, Any], pool: aiomysql.Pool
) -> None:
    """GET /items returns a page without payloads and the total count."""
    await _store(pool, 1, 2, 3)
    response = await api_client.get(
        "/items", params={"limit": 2, "offset": 1, "api_source": "pokemon"}
    )
    assert response.status == 200
    body = await response.json()
    assert (body["total"], body["limit"], body["offset"]) == (3, 2, 1)
    assert len(body["items"]) == 2
    assert "payload" not in body["items"][0]
    assert {entry["name"] for entry in body["items"]} <= {"mon-1", "mon-2", "mon-3"}


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "ten"},
        {"offset": "-1"},
        {"api_source": "digimon"},
        {"colour": "red"},
    ],
)
async def test_items_rejects_bad_queries(
    api_client: TestClient[Any, Any], pool: aiomysql.Pool, query: dict[str, str]
) -> None:
    """Out-of-range or unknown query parameters answer 422 naming the parameter."""
    response = await api_client.get("/items", params=query)
    assert response.status == 422
    fields = [detail["field"] for detail in (await response.json())["error"]["details"]]
    assert next(iter(query)) in fields


async def test_item_is_served_with_its_payload_and_cached(
    api_client: TestClient[Any, Any], pool: aiomysql.Pool, redis: Redis
) -> None:
    """GET /items/{id} returns the payload intact (1.5 MB here) and fills the cache."""
    moves = ["m" * 1000 for _ in range(1500)]
    await _store(pool, 7, moves=moves, note="é ☃")
    item_id = await _item_id(pool, "7")
    response = await api_client.get(f"/items/{item_id}")
    assert response.status == 200
    body = orjson.loads(await response.read())
    assert body["payload"] == {"id": 7, "name": "mon-7", "moves": moves, "note": "é ☃"}
    assert body["external_id"] == "7"
    cached = await redis.get(names.item_cache_key(item_id))
    assert cached is not None
    assert orjson.loads(cached) == body


async def test_a_write_keeps_the_old_item_out_of_the_cache(
    api_client: TestClient[Any, Any], pool: aiomysql.Pool, redis: Redis
) -> None:
    """After the writer marks a changed item, reads serve the new row and do not cache it."""
    await _store(pool, 5, weight=1)
    item_id = await _item_id(pool, "5")
    await api_client.get(f"/items/{item_id}")
    await _store(pool, 5, weight=2)
    await announce_changed(redis, [item_id])  # what the writer does after COMMIT
    deadline = time.monotonic() + 5  # the API's in-memory copy hears of it asynchronously
    while True:
        body = await (await api_client.get(f"/items/{item_id}")).json()
        if body["payload"]["weight"] == 2:
            break
        assert time.monotonic() < deadline, body
        await asyncio.sleep(0.01)
    assert await redis.get(names.item_cache_key(item_id)) == b""


@pytest.mark.parametrize(
    ("path", "status"),
    [("/items/abc", 400), ("/items/0", 400), ("/items/99999", 404), ("/items/1.5", 400)],
)
async def test_item_lookup_errors_are_json(
    api_client: TestClient[Any, Any], pool: aiomysql.Pool, path: str, status: int
) -> None:
    """A non-numeric id is a 400 and an absent one a 404, both as JSON errors."""
    response = await api_client.get(path)
    assert response.status == status
    assert (await response.json())["error"]["message"]


async def test_jobs_list_filters_and_paginates(
    api_client: TestClient[Any, Any], pool: aiomysql.Pool
) -> None:
    """GET /jobs lists newest first and filters by status."""
    first = await new_job(pool)
    second = await new_job(pool)
    body = await (await api_client.get("/jobs", params={"limit": 1})).json()
    assert body["total"] == 2
    assert [job["id"] for job in body["jobs"]] == [str(second.id)]
    pending = await (await api_client.get("/jobs", params={"status": "pending"})).json()
    assert {job["id"] for job in pending["jobs"]} == {str(first.id), str(second.id)}
    done = await (await api_client.get("/jobs", params={"status": "succeeded"})).json()
    assert done["total"] == 0


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/jobs/not-a-uuid", 400),
        ("/jobs/00000000-0000-0000-0000-000000000000", 404),
        ("/jobs?status=sleeping", 422),
        ("/nowhere", 404),
    ],
)
async def test_job_and_route_errors_are_json(
    api_client: TestClient[Any, Any], pool: aiomysql.Pool, path: str, status: int
) -> None:
    """Bad job ids, unknown statuses and unknown routes answer JSON errors."""
    response = await api_client.get(path)
    assert response.status == status
    assert (await response.json())["error"]["code"]


async def test_wrong_method_is_a_json_405(
    api_client: TestClient[Any, Any], pool: aiomysql.Pool
) -> None:
    """DELETE on /items answers 405 with an Allow header."""
    response = await api_client.delete("/items")
    assert response.status == 405
    assert "GET" in response.headers["Allow"]
