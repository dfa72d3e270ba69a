"""The source registry: one place names every source, and every name builds both halves."""

from __future__ import annotations

import aiohttp
import fakeredis
import pytest

from shared.config import Settings, load_settings
from shared.errors import ConfigError
from shared.sources.registry import (
    build_fetchers,
    build_planners,
    default_source,
    enabled_planners,
    registered_names,
)


def test_registry_and_config_know_the_same_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    """API_API_TYPE accepts exactly the registered sources, and refuses any other name."""
    monkeypatch.setenv("API_API_TYPE", ",".join(registered_names()))
    assert load_settings(env_file=None).api.sources == list(registered_names())
    monkeypatch.setenv("API_API_TYPE", "digimon")
    with pytest.raises(ConfigError, match="choose from openweather, pokemon"):
        load_settings(env_file=None)


def test_planners_build_from_settings_alone_under_their_names() -> None:
    """Every registered source has a planner, keyed by its own name, in registry order."""
    planners = build_planners(Settings(_env_file=None))
    assert tuple(planners) == registered_names() == ("pokemon", "openweather")
    assert {name: planner.name for name, planner in planners.items()} == {
        name: name for name in registered_names()
    }


def test_enabled_planners_follow_api_api_type() -> None:
    """Only the sources API_API_TYPE enables are planned for, in the order it gives."""
    settings = Settings(_env_file=None, api={"api_type": "openweather,pokemon"})
    assert list(enabled_planners(settings)) == ["openweather", "pokemon"]


@pytest.mark.parametrize(
    ("enabled", "default"),
    [
        (["pokemon"], "pokemon"),
        (["openweather"], "openweather"),
        (["openweather", "pokemon"], "pokemon"),
    ],
)
def test_default_source_is_the_first_registered_one_enabled(
    enabled: list[str], default: str
) -> None:
    """A sync request naming no source means the first registered source that is enabled."""
    assert default_source(enabled) == default


async def test_every_registered_source_builds_a_fetcher_under_its_name() -> None:
    """Building the fetchers opens nothing and keys each by its own name, key or no key."""
    redis = fakeredis.FakeAsyncRedis()
    async with aiohttp.ClientSession() as session:
        fetchers = build_fetchers(Settings(_env_file=None), session, redis)
    assert {name: fetcher.name for name, fetcher in fetchers.items()} == {
        name: name for name in registered_names()
    }
    await redis.aclose()
