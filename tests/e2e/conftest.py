"""End-to-end fixtures: the stand-in upstream and real service processes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from harness.backends import database_name
from harness.processes import Pipeline, migrated_pipeline, pipeline_env
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


def e2e_env(standin: StandinProcess, **overrides: str) -> dict[str, str]:
    """Service settings on the end-to-end database and Redis DB, reading from ``standin``."""
    return pipeline_env(
        standin, database=E2E_DATABASE, redis_db=E2E_REDIS_DB, api_token=API_TOKEN, **overrides
    )


def weather_env(standin: StandinProcess) -> dict[str, str]:
    """OpenWeather enabled beside PokeAPI against ``standin``, for three cities, one unknown."""
    return {
        "API_API_TYPE": "pokemon,openweather",
        "OPENWEATHER_BASE_URL": standin.openweather_url,
        "OPENWEATHER_CITIES": "London,Zocca,Atlantis",
        "LOG_LEVEL": "debug",  # the most a service ever prints: none of it may hold a secret
    }


@contextmanager
def declared_github_pipeline(
    standin: StandinProcess, tmp_path: Path, *, definition: str, token: str
) -> Iterator[Pipeline]:
    """A migrated, empty pipeline with GitHub enabled beside PokeAPI: its SOURCES_DIR holds
    the one ``github.yaml``, ``definition``, reading ``standin`` with ``token``."""
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "github.yaml").write_text(definition, encoding="utf-8")
    env = e2e_env(
        standin,
        API_API_TYPE="pokemon,github",
        SOURCES_DIR=str(sources),
        GITHUB_BASE_URL=standin.github_url,
        GITHUB_TOKEN=token,
    )
    with migrated_pipeline(env, tmp_path) as running:
        yield running


@pytest.fixture
def pipeline(backends: None, standin: StandinProcess, tmp_path: Path) -> Iterator[Pipeline]:
    """An empty, migrated database and Redis DB; services are started by the test."""
    with migrated_pipeline(e2e_env(standin, POKEAPI_PAGE_SIZE="10"), tmp_path) as running:
        yield running
