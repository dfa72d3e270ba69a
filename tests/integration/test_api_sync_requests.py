"""POST /sync on real Redis and MariaDB: a job opened once, a token required, bad bodies refused."""

from __future__ import annotations

from typing import Any

import aiomysql
import pytest
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis

from services.api.app import create_app
from shared.config import Settings
from shared.streams import names
from shared.streams.codec import decode_command
from tests.integration.api_helpers import AUTH, count_rows


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
    assert await count_rows(pool, "sync_jobs") == 1
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
    assert await count_rows(pool, "sync_jobs") == 0


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
    assert await count_rows(pool, "sync_jobs") == 0


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
    assert await count_rows(pool, "sync_jobs") == 0
    assert await redis.xlen(names.COMMANDS) == 0


async def test_body_over_the_limit_is_refused_with_413(
    api_client: TestClient[Any, Any], pool: aiomysql.Pool
) -> None:
    """A body larger than API_MAX_BODY_BYTES answers 413 JSON."""
    response = await api_client.post("/sync", data=b"{" + b" " * 70_000 + b"}", headers=AUTH)
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "payload_too_large"
    assert await count_rows(pool, "sync_jobs") == 0
