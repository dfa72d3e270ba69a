"""What end-to-end and fault tests ask of a running pipeline: HTTP calls and MySQL/Redis reads."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

import pymysql
import redis

from harness.backends import REDIS_HOST, REDIS_PORT
from harness.processes import Pipeline
from harness.standin.process import StandinProcess
from tests.e2e.waiting import wait_until

API_TOKEN = "e2e-token"
JOB_TIMEOUT_S = 120.0


def http(method: str, url: str, body: object = None) -> tuple[int, Any]:
    """One JSON request with the write token; the status and decoded answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - local URL
    request.add_header("Authorization", f"Bearer {API_TOKEN}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        return answer.status, json.loads(answer.read())


def health_status(api_url: str, timeout_s: float = 15.0) -> int:
    """GET /health; its status, 503 included."""
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout_s) as answer:  # noqa: S310
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        with exc:  # closes its socket now, not whenever it is collected
            return int(exc.code)


def start_sync(pipeline: Pipeline, **body: object) -> str:
    """POST /sync; the job id."""
    status, accepted = http("POST", f"{pipeline.api_url}/sync", body)
    assert status == 202, accepted
    return str(accepted["job_id"])


def job(pipeline: Pipeline, job_id: str) -> dict[str, Any]:
    """GET /jobs/{id}."""
    _, body = http("GET", f"{pipeline.api_url}/jobs/{job_id}")
    return dict(body)


def wait_job(pipeline: Pipeline, job_id: str, timeout_s: float = JOB_TIMEOUT_S) -> dict[str, Any]:
    """Poll until the job is no longer pending or running."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        current = job(pipeline, job_id)
        if current["status"] not in ("pending", "running"):
            return current
        time.sleep(0.2)
    raise AssertionError(f"job did not finish in {timeout_s}s:\n{pipeline.logs()}")


def wait_pages_written(
    pipeline: Pipeline, job_id: str, pages: int, *, api: Pipeline | None = None
) -> None:
    """Wait until the job has ``pages`` pages written, asking ``api`` (the pipeline's own API)."""
    asked = api or pipeline
    wait_until(
        lambda: job(asked, job_id)["pages_done"] >= pages,
        timeout_s=30,
        what=f"{pages} pages written",
        details=pipeline.logs,
    )


def sync(pipeline: Pipeline, **body: object) -> dict[str, Any]:
    """POST /sync and wait for the job to end; the finished job."""
    return wait_job(pipeline, start_sync(pipeline, **body))


def served_details(standin: StandinProcess) -> dict[str, bytes]:
    """external_id → the exact detail bytes the upstream serves, for every listed item."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{standin.pokeapi_url}/pokemon?limit=100000", timeout=10) as r:
        listing = json.loads(r.read())
    served = {}
    for entry in listing["results"]:
        external_id = entry["url"].rstrip("/").rsplit("/", 1)[-1]
        with opener.open(entry["url"], timeout=10) as r:
            served[external_id] = r.read()
    return served


def upstream_details(standin: StandinProcess) -> dict[str, dict[str, Any]]:
    """Every listed item's detail, decoded, exactly as the upstream serves it."""
    return {external_id: json.loads(body) for external_id, body in served_details(standin).items()}


def mysql_rows(pipeline: Pipeline, query: str) -> list[dict[str, Any]]:
    """Every row ``query`` returns from the pipeline's database, as dicts."""
    conn = pymysql.connect(
        host="127.0.0.1", user="root", password="", database=pipeline.env["DATABASE_DATABASE"]
    )
    with conn.cursor(pymysql.cursors.DictCursor) as cur:
        cur.execute(query)
        rows = list(cur.fetchall())
    conn.close()
    return rows


def stored_rows(pipeline: Pipeline) -> dict[str, dict[str, Any]]:
    """external_id → row of every pokemon item; fails on duplicate external ids."""
    rows = mysql_rows(
        pipeline,
        "SELECT id, external_id, name, payload, updated_at, synced_at FROM items"
        " JOIN item_payloads ON item_id = id WHERE api_source = 'pokemon'",
    )
    by_id = {row["external_id"]: row for row in rows}
    assert len(by_id) == len(rows), "duplicate external ids in items"
    return by_id


def assert_mirrors(pipeline: Pipeline, upstream: dict[str, dict[str, Any]]) -> None:
    """MySQL holds exactly the upstream items: none lost, none extra, payloads equal."""
    rows = stored_rows(pipeline)
    missing = sorted(set(upstream) - set(rows), key=int)
    extra = sorted(set(rows) - set(upstream), key=int)
    assert (missing[:10], extra[:10]) == ([], []), "MySQL differs from upstream"
    for external_id, detail in upstream.items():
        assert json.loads(rows[external_id]["payload"]) == detail, external_id


def pending_entries(pipeline: Pipeline) -> int:
    """Entries delivered but not acknowledged, over both groups."""
    with redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=int(pipeline.env["REDIS_DB"])) as client:
        return sum(
            int(client.xpending(stream, group)["pending"])
            for stream, group in (("itemsync:commands", "fetchers"), ("itemsync:pages", "writers"))
        )


def dead_letters(pipeline: Pipeline) -> int:
    """Entries in itemsync:dead."""
    with redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=int(pipeline.env["REDIS_DB"])) as client:
        return int(client.xlen("itemsync:dead"))


def wait_nothing_pending(pipeline: Pipeline, timeout_s: float = 15.0) -> None:
    """Wait until no entry is delivered but unacknowledged, in either group."""
    wait_until(
        lambda: pending_entries(pipeline) == 0,
        timeout_s=timeout_s,
        what="nothing pending",
        details=pipeline.logs,
    )


def redis_dump(client: redis.Redis) -> str:
    """Every key of ``client``'s DB with its value, as text: where a leaked secret would show."""
    parts: list[str] = []
    for key in client.scan_iter():
        kind = client.type(key)
        if kind == b"stream":
            parts.append(repr(client.xrange(key)))
        elif kind == b"hash":
            parts.append(repr(client.hgetall(key)))
        elif kind == b"string":
            parts.append(repr(client.get(key)))
        elif kind == b"zset":
            parts.append(repr(client.zrange(key, 0, -1, withscores=True)))
        parts.append(repr(key))
    return "\n".join(parts)
