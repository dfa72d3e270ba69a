"""Metrics, health and the trace id across real api, fetcher and writer processes."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pymysql
from prometheus_client.parser import text_string_to_metric_families

from harness.processes import Pipeline, ServiceProcess, free_port
from tests.e2e.client import job, start_sync, wait_job

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def get(url: str) -> tuple[int, str]:
    """GET a URL; status and body, also for error statuses."""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - local test URL
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        with exc:  # closes its socket now, not whenever it is collected
            return exc.code, exc.read().decode()


def scrape(base_url: str) -> Samples:
    """Every sample of one /metrics answer, keyed by name and sorted labels."""
    status, text = get(f"{base_url}/metrics")
    assert status == 200, text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def total(samples: Samples, name: str, **labels: str) -> float:
    """Sum of the samples called ``name`` whose labels include ``labels``."""
    wanted = set(labels.items())
    return sum(v for (n, found), v in samples.items() if n == name and wanted <= set(found))


def json_lines(service: ServiceProcess) -> list[dict[str, Any]]:
    """A service's log lines, each parsed as one JSON object."""
    return [json.loads(line) for line in service.log().splitlines() if line.strip()]


def test_one_sync_is_measured_traced_and_health_checked(pipeline: Pipeline) -> None:
    """After one sync of 75 Pokémon the metrics add up, its trace id runs through every log,
    the workers are healthy and the API names a migration that is not applied."""
    ports = {role: free_port() for role in ("fetcher", "writer")}
    api = pipeline.start("api")
    fetcher = pipeline.start("fetcher", METRICS_PORT=str(ports["fetcher"]))
    writer = pipeline.start("writer", METRICS_PORT=str(ports["writer"]))
    pipeline.wait_for_api()

    job_id = start_sync(pipeline)
    finished = wait_job(pipeline, job_id)
    assert finished["status"] == "succeeded", pipeline.logs()
    pages = finished["pages_total"]
    assert (pages, finished["items_created"]) == (8, 75)

    fetched = scrape(f"http://127.0.0.1:{ports['fetcher']}")
    ok_requests = total(fetched, "itemsync_upstream_requests_total", source="pokemon", status="200")
    assert ok_requests >= 75 + pages

    written = scrape(f"http://127.0.0.1:{ports['writer']}")
    created = total(written, "itemsync_items_total", source="pokemon", outcome="created")
    assert created == 75
    assert total(written, "itemsync_items_total", source="pokemon", outcome="failed") == 0
    assert total(written, "itemsync_pages_written_total", source="pokemon") == pages
    durations = total(
        written, "itemsync_job_duration_seconds_count", source="pokemon", status="succeeded"
    )
    assert durations >= 1

    served = scrape(pipeline.api_url)
    for stream, group in (("itemsync:commands", "fetchers"), ("itemsync:pages", "writers")):
        assert total(served, "itemsync_stream_pending", stream=stream, group=group) == 0
    closed = {"source": "pokemon", "itemsync_breaker_state": "closed"}
    assert total(served, "itemsync_breaker_state", **closed) == 1
    sync_latency = total(
        served, "itemsync_http_request_duration_seconds_count", route="/sync", method="POST"
    )
    assert sync_latency >= 1
    assert total(served, "itemsync_http_request_duration_seconds_count", route="/jobs/{id}") >= 1
    assert not [labels for name, labels in served if job_id in str(labels)]

    trace_id = job(pipeline, job_id)["trace_id"]
    requested = [line for line in json_lines(api) if line["event"] == "sync.requested"]
    assert [(line["job_id"], line["trace_id"]) for line in requested] == [(job_id, trace_id)]
    for worker in (fetcher, writer):
        lines = json_lines(worker)
        assert all(line["service"] == worker.role for line in lines)
        on_job = [line for line in lines if line.get("job_id") == job_id]
        assert on_job, worker.log()
        assert {line.get("trace_id") for line in on_job} == {trace_id}, worker.role
    work = {"page.fetched", "command.failed", "command.delayed", "pages.written", "job.finished"}
    for worker in (fetcher, writer):
        for line in json_lines(worker):
            if line["event"] in work or line["event"].startswith("stamina."):
                assert (line.get("job_id"), line.get("trace_id")) == (job_id, trace_id), line
    assert any(line["event"] == "page.fetched" for line in json_lines(fetcher))
    assert any(line["event"] == "job.finished" for line in json_lines(writer))

    for role, port in ports.items():
        status, body = get(f"http://127.0.0.1:{port}/health")
        assert status == 200, (role, body)
    writer_checks = json.loads(get(f"http://127.0.0.1:{ports['writer']}/health")[1])["checks"]
    assert set(writer_checks) == {"redis", "mysql", "loop"}

    conn = pymysql.connect(
        host="127.0.0.1", user="root", password="", database=pipeline.env["DATABASE_DATABASE"]
    )
    with conn.cursor() as cur:
        cur.execute("SELECT name FROM schema_migrations ORDER BY version DESC LIMIT 1")
        (latest,) = cur.fetchone()
        cur.execute("DELETE FROM schema_migrations WHERE name = %s", (latest,))
    conn.commit()
    conn.close()
    status, body = get(f"{pipeline.api_url}/health")
    assert status == 503
    assert json.loads(body)["checks"]["migrations"] == f"error: not applied: {latest}"
