"""A worker's /metrics and /health endpoint, its health checks, and the ports it listens on."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request

import fakeredis
import pytest
import structlog
from redis.asyncio import Redis

from harness.processes import free_port
from services.ops.health import probe_health
from services.runner import child_metrics_ports
from shared.config import MetricsSettings
from shared.runtime.health import HealthCheck, loop_check, redis_check, run_checks
from shared.runtime.worker_endpoint import worker_endpoint
from shared.streams.heartbeat import Heartbeat


def fetch(port: int, path: str) -> tuple[int, str]:
    """GET a path on the local endpoint; status and body, also for error statuses."""
    url = f"http://127.0.0.1:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=3) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        with exc:  # closes its socket now, not whenever it is collected
            return exc.code, exc.read().decode()


async def test_healthy_worker_answers_200_and_serves_metrics(redis: Redis) -> None:
    """With every check passing /health is 200, and /metrics is the Prometheus text."""
    port = free_port()
    checks = {"redis": redis_check(redis), "loop": loop_check(Heartbeat(), max_age_s=30)}
    async with worker_endpoint(MetricsSettings(host="127.0.0.1", port=port), checks):
        status, body = await asyncio.to_thread(fetch, port, "/health")
        assert (status, json.loads(body)) == (
            200,
            {"status": "ok", "checks": {"redis": "ok", "loop": "ok"}, "warnings": []},
        )
        status, text = await asyncio.to_thread(fetch, port, "/metrics")
        assert status == 200
        assert "# TYPE itemsync_items_total counter" in text
        assert await asyncio.to_thread(probe_health, "127.0.0.1", port) == 0


async def test_stuck_loop_answers_503_naming_the_check(redis: Redis) -> None:
    """A loop that has not come round within its bound makes /health 503 with the loop check."""
    port = free_port()
    stale = Heartbeat(last=time.monotonic() - 120)
    checks = {"redis": redis_check(redis), "loop": loop_check(stale, max_age_s=30)}
    async with worker_endpoint(MetricsSettings(host="127.0.0.1", port=port), checks):
        status, body = await asyncio.to_thread(fetch, port, "/health")
        assert await asyncio.to_thread(probe_health, "127.0.0.1", port) == 1
    answer = json.loads(body)
    assert status == 503
    assert answer["checks"]["redis"] == "ok"
    assert answer["checks"]["loop"].startswith("error: loop last ran 12")


async def test_probe_of_a_closed_port_fails() -> None:
    """`item-sync health` exits 1 when nothing listens."""
    assert await asyncio.to_thread(probe_health, "127.0.0.1", free_port()) == 1


async def test_port_zero_serves_nothing() -> None:
    """METRICS_PORT=0 turns the endpoint off without complaint."""
    with structlog.testing.capture_logs() as logs:
        async with worker_endpoint(MetricsSettings(port=0), {}):
            pass
    assert logs == []


async def test_a_taken_port_is_logged_and_the_worker_goes_on() -> None:
    """A second endpoint on a busy port logs metrics.unavailable instead of stopping the worker."""
    port = free_port()
    settings = MetricsSettings(host="127.0.0.1", port=port)
    async with worker_endpoint(settings, {}):
        with structlog.testing.capture_logs() as logs:
            async with worker_endpoint(settings, {}):
                pass
    assert [line["event"] for line in logs] == ["metrics.unavailable"]


async def test_checks_report_errors_by_type_and_time_out() -> None:
    """A failing check shows its error type; every check runs even when one fails."""
    server = fakeredis.FakeServer()
    server.connected = False
    down: Redis = fakeredis.FakeAsyncRedis(server=server)

    async def fine() -> None:
        return None

    checks: dict[str, HealthCheck] = {"redis": redis_check(down), "other": fine}
    assert await run_checks(checks) == {"redis": "error: ConnectionError", "other": "ok"}
    await down.aclose()


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        (9100, [0, 9100, 9101, 9102, 9103]),
        (0, [0, 0, 0, 0, 0]),
    ],
)
def test_item_sync_run_gives_each_worker_its_own_port(base: int, expected: list[int]) -> None:
    """`item-sync run` numbers worker ports from METRICS_PORT; the API takes none; 0 stays off."""
    roles = ["api", "scheduler", "fetcher", "fetcher", "writer"]
    assert child_metrics_ports(roles, base) == expected
