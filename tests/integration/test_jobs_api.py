"""``GET /jobs`` and ``GET /jobs/{id}`` against real MariaDB: filters, validation, progress."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import aiomysql
import pytest
from aiohttp.test_utils import TestClient

from services.writer.upsert import apply_batch
from shared.db.jobs import open_job
from shared.models.jobs import JobTrigger, SyncJobRow
from shared.models.pages import FailedItem, PageMessage
from shared.models.spec import SyncSpec
from tests.integration.jobs_helpers import item, new_job, page

Client = TestClient[Any, Any]


async def _apply(pool: aiomysql.Pool, *pages: PageMessage) -> None:
    async with pool.acquire() as conn:
        await apply_batch(conn, list(pages), max_statement_bytes=4 * 1024 * 1024)


async def _weather_job(pool: aiomysql.Pool) -> SyncJobRow:
    spec = SyncSpec.full_list("openweather")
    job, _ = await open_job(pool, spec, trigger=JobTrigger.SCHEDULED, trace_id=uuid.uuid4().hex)
    return job


async def test_jobs_filter_by_source_and_status_and_paginate(
    api_client: Client, pool: aiomysql.Pool
) -> None:
    """Source and status filters combine; total counts every match, limit/offset page them."""
    done = await new_job(pool)
    await _apply(pool, page(done, "list:0", [item(1)], pages_total=1))
    pending = [await new_job(pool) for _ in range(3)]
    weather = await _weather_job(pool)

    everything = await (await api_client.get("/jobs")).json()
    assert (everything["total"], everything["limit"], everything["offset"]) == (5, 20, 0)

    pokemon = await (await api_client.get("/jobs", params={"source": "pokemon"})).json()
    assert pokemon["total"] == 4
    assert str(weather.id) not in {job["id"] for job in pokemon["jobs"]}

    query = {"source": "pokemon", "status": "pending", "limit": "2", "offset": "1"}
    paged = await (await api_client.get("/jobs", params=query)).json()
    assert (paged["total"], paged["limit"], paged["offset"]) == (3, 2, 1)
    newest_first = [str(job.id) for job in reversed(pending)]
    assert [job["id"] for job in paged["jobs"]] == newest_first[1:3]

    succeeded = await (await api_client.get("/jobs", params={"status": "succeeded"})).json()
    assert [job["id"] for job in succeeded["jobs"]] == [str(done.id)]
    listed = succeeded["jobs"][0]
    assert (listed["items_created"], listed["items_deleted"], listed["percent_done"]) == (
        1,
        0,
        100.0,
    )
    assert listed["duration_s"] >= 0
    assert "errors" not in listed  # item errors only in GET /jobs/{id}


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ({"limit": "0"}, 422, "limit"),
        ({"limit": "101"}, 422, "limit"),
        ({"limit": "ten"}, 422, "limit"),
        ({"offset": "-1"}, 422, "offset"),
        ({"status": "sleeping"}, 422, "status"),
        ({"source": "digimon"}, 422, "source"),
        ({"colour": "red"}, 422, "colour"),
        ("status=pending&status=running", 400, "status"),
    ],
)
async def test_jobs_rejects_bad_queries(
    api_client: Client,
    pool: aiomysql.Pool,
    query: dict[str, str] | str,
    status: int,
    field: str,
) -> None:
    """Out-of-range, unknown or repeated query parameters answer 4xx naming the parameter."""
    response = await api_client.get("/jobs", params=query)
    assert response.status == status
    error = (await response.json())["error"]
    assert field in [detail["field"] for detail in error["details"]]


async def test_open_job_shows_live_progress(api_client: Client, pool: aiomysql.Pool) -> None:
    """A running job shows pages done of total and a duration that keeps growing."""
    job = await new_job(pool)
    await _apply(pool, page(job, "list:0", [item(1), item(2)], pages_total=4))
    first = await (await api_client.get(f"/jobs/{job.id}")).json()
    assert first["status"] == "running"
    assert (first["pages_done"], first["pages_total"], first["percent_done"]) == (1, 4, 25.0)
    assert (first["items_seen"], first["items_created"], first["finished_at"]) == (2, 2, None)
    await asyncio.sleep(0.05)
    second = await (await api_client.get(f"/jobs/{job.id}")).json()
    assert second["duration_s"] > first["duration_s"]


async def test_finished_job_shows_outcomes_and_a_fixed_duration(
    api_client: Client, pool: aiomysql.Pool
) -> None:
    """A finished job counts items by outcome, deletions included, and its duration stops."""
    seed = await new_job(pool)
    await _apply(pool, page(seed, "list:0", [item(1), item(2), item(3)], pages_total=1))
    job = await new_job(pool)
    await _apply(pool, page(job, "list:0", [item(1), item(2, weight=7), item(4)], pages_total=1))
    body = await (await api_client.get(f"/jobs/{job.id}")).json()
    outcomes = {
        name: body[f"items_{name}"]
        for name in ("created", "updated", "unchanged", "failed", "deleted")
    }
    assert outcomes == {"created": 1, "updated": 1, "unchanged": 1, "failed": 0, "deleted": 1}
    assert (body["status"], body["percent_done"], body["errors"], body["errors_total"]) == (
        "succeeded",
        100.0,
        [],
        0,
    )
    await asyncio.sleep(0.05)
    again = await (await api_client.get(f"/jobs/{job.id}")).json()
    assert again["duration_s"] == body["duration_s"]


async def test_job_lists_its_item_errors_capped_with_a_count(
    api_client: Client, pool: aiomysql.Pool
) -> None:
    """A job with 150 failed items lists the first 100 errors and counts all 150."""
    job = await new_job(pool)
    failures = [FailedItem(external_id=str(n), error=f"HTTP 404 for {n}") for n in range(150)]
    await _apply(pool, page(job, "list:0", [item(1000)], failed=failures, pages_total=1))
    body = await (await api_client.get(f"/jobs/{job.id}")).json()
    assert (body["status"], body["items_failed"]) == ("partial", 150)
    assert (len(body["errors"]), body["errors_total"]) == (100, 150)
    first = body["errors"][0]
    assert set(first) == {"external_id", "error", "attempts", "recorded_at"}
    assert first["error"] == f"HTTP 404 for {first['external_id']}"


async def test_a_job_shows_its_change_signal_and_whether_the_signal_skipped_it(
    api_client: Client, pool: aiomysql.Pool
) -> None:
    """A sweep shows the signal it saw; the job the unchanged signal ended shows it skipped."""
    plain = await new_job(pool)
    await _apply(pool, page(plain, "list:0", [item(1)], pages_total=1))
    sweep = await new_job(pool)
    await _apply(pool, _signalled(page(sweep, "list:0", [item(1)], pages_total=1), "h1"))
    quiet = await new_job(pool)
    ended = _signalled(page(quiet, "list:0", [], pages_total=1), "h1", unchanged=True)
    await _apply(pool, ended)
    shown = {}
    for job in (plain, sweep, quiet):
        body = await (await api_client.get(f"/jobs/{job.id}")).json()
        shown[job.id] = (body["status"], body["change_signal"], body["signal_skipped"])
    assert shown == {
        plain.id: ("succeeded", None, False),
        sweep.id: ("succeeded", "h1", False),
        quiet.id: ("succeeded", "h1", True),
    }
    listed = await (await api_client.get("/jobs", params={"limit": "1"})).json()
    assert (listed["jobs"][0]["change_signal"], listed["jobs"][0]["signal_skipped"]) == ("h1", True)
    spec = await (await api_client.get("/openapi.json")).json()
    detail = spec["components"]["schemas"]["JobDetailOut"]
    assert {"change_signal", "signal_skipped"} <= set(detail["required"])
    assert detail["properties"]["signal_skipped"]["type"] == "boolean"


def _signalled(message: PageMessage, signal: str, *, unchanged: bool = False) -> PageMessage:
    page = message.page.model_copy(
        update={"change_signal": signal, "unchanged_by_signal": unchanged}
    )
    return message.model_copy(update={"page": page})


@pytest.mark.parametrize(
    ("job_id", "status"),
    [("not-a-uuid", 400), ("12345", 400), (str(uuid.UUID(int=7)), 404)],
)
async def test_job_lookup_errors_are_json(
    api_client: Client, pool: aiomysql.Pool, job_id: str, status: int
) -> None:
    """A malformed id answers 400 naming ``id``; an absent one 404, both as JSON."""
    response = await api_client.get(f"/jobs/{job_id}")
    assert response.status == status
    error = (await response.json())["error"]
    assert error["message"]
    if status == 400:
        assert [detail["field"] for detail in error["details"]] == ["id"]
