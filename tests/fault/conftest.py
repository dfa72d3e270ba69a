"""Fault tests: real processes, real backends, a stand-in upstream with faults switched on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.backends import REDIS_PORT, database_name
from harness.processes import Pipeline, pipeline_env, reset_backends
from harness.standin.process import StandinProcess, run_standin
from tests.e2e.client import API_TOKEN, assert_mirrors, upstream_details
from tests.fault.tcp_proxy import TcpProxy, cuttable

FAULT_DATABASE = database_name("item_sync_fault")
FAULT_REDIS_DB = 12
SYNTHETIC_ITEMS = 1200


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder injects faults into real processes."""
    for item in items:
        if "tests/fault/" in str(item.path):
            item.add_marker(pytest.mark.fault)
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def synthetic_standin() -> Iterator[StandinProcess]:
    """A stand-in PokeAPI with 1,200 generated ~2 KB items."""
    with run_standin("--synthetic", str(SYNTHETIC_ITEMS), "--seed", "7") as server:
        yield server


@pytest.fixture
def mysql_proxy() -> Iterator[TcpProxy]:
    """A cuttable path to MariaDB."""
    with cuttable(3306) as proxy:
        yield proxy


@pytest.fixture
def redis_proxy() -> Iterator[TcpProxy]:
    """A cuttable path to the test Redis."""
    with cuttable(REDIS_PORT) as proxy:
        yield proxy


def fault_env(standin: StandinProcess, **overrides: str) -> dict[str, str]:
    """Service settings with short timeouts, so faults play out in seconds."""
    short = {
        "POKEAPI_PAGE_SIZE": "50",
        "POKEAPI_REQUEST_TIMEOUT": "1s",
        "POKEAPI_DETAIL_CONCURRENCY": "16",
        "STREAM_BLOCK": "200ms",
        "STREAM_CLAIM_IDLE": "2s",
        "STREAM_SHUTDOWN_GRACE": "5s",
        "STREAM_MAX_DELIVERIES": "5",
        "RETRY_MAX_RETRIES": "4",
        "RETRY_CIRCUIT_THRESHOLD": "5",
        "RETRY_CIRCUIT_TIMEOUT": "2s",
        "WRITER_BATCH_SIZE": "4",
    }
    return pipeline_env(
        standin,
        database=FAULT_DATABASE,
        redis_db=FAULT_REDIS_DB,
        api_token=API_TOKEN,
        **{**short, **overrides},
    )


@pytest.fixture
def fresh_pipeline(
    backends: None, tmp_path: Path
) -> Iterator[Callable[[dict[str, str]], Pipeline]]:
    """Make a pipeline on an emptied, migrated database; every one is stopped at the end."""
    pipelines: list[Pipeline] = []

    def make(env: dict[str, str]) -> Pipeline:
        reset_backends(env)
        workdir = tmp_path / f"run-{len(pipelines)}"
        workdir.mkdir()
        pipeline = Pipeline(env=env, workdir=workdir)
        pipelines.append(pipeline)
        pipeline.migrate()
        return pipeline

    try:
        yield make
    finally:
        for pipeline in pipelines:
            pipeline.stop_all()


def assert_every_item_synced(
    pipeline: Pipeline, done: dict[str, Any], standin: StandinProcess
) -> None:
    """The job succeeded, every synthetic item created and seen on every page; MySQL mirrors."""
    assert done["status"] == "succeeded", pipeline.logs()
    assert (done["items_created"], done["items_seen"]) == (SYNTHETIC_ITEMS, SYNTHETIC_ITEMS)
    assert done["pages_done"] == done["pages_total"]
    standin.set_faults(latency_ms=0)
    assert_mirrors(pipeline, upstream_details(standin))


def report(capsys: pytest.CaptureFixture[str], title: str, **figures: object) -> None:
    """Print a test's figures even when output is captured."""
    with capsys.disabled():
        shown = "  ".join(f"{key}={value}" for key, value in figures.items())
        print(f"\n[fault] {title}: {shown}")  # noqa: T201 - the figures are the point
