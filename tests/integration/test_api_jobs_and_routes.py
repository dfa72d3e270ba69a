"""Health, the jobs list, and JSON errors for unknown jobs, routes and methods."""

from __future__ import annotations

from typing import Any

import aiomysql
import pytest
from aiohttp.test_utils import TestClient

from tests.integration.jobs_helpers import new_job


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
