"""End-to-end fixtures: the stand-in upstream and real service processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.backends import database_name
from harness.processes import Pipeline, free_port, reset_backends, running_pipeline, service_env
from harness.standin.process import StandinProcess, run_standin
from tests.e2e.client import API_TOKEN

E2E_DATABASE = database_name("item_sync_e2e")
E2E_REDIS_DB = 14


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder runs real processes against real services."""
    for item in items:
        if "tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def standin() -> Iterator[StandinProcess]:
    """The stand-in PokeAPI serving the 75 recorded Pokémon with details."""
    with run_standin("--list-limit", "75") as server:
        yield server


@pytest.fixture
def pipeline(backends: None, standin: StandinProcess, tmp_path: Path) -> Iterator[Pipeline]:
    """An empty, migrated database and Redis DB; services are started by the test."""
    env = service_env(
        DATABASE_DATABASE=E2E_DATABASE,
        REDIS_DB=str(E2E_REDIS_DB),
        SERVER_PORT=str(free_port()),
        API_TOKEN=API_TOKEN,
        POKEAPI_BASE_URL=standin.pokeapi_url,
        POKEAPI_PAGE_SIZE="10",
        WORKER_ENABLED="false",
    )
    reset_backends(env)
    with running_pipeline(env, tmp_path) as running:
        migrated = running.run_cli("migrate")
        assert migrated.returncode == 0, migrated.stderr
        yield running
