"""Settings from the environment: defaults, sections, durations, lists, and invalid values."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from shared.config import load_settings
from shared.sources.registry import load_declared
from tests.unit.config_errors import config_error

pytestmark = pytest.mark.usefixtures("clean_env")


def test_defaults_match_the_design() -> None:
    """With nothing set, every setting has the default DESIGN.md documents."""
    settings = load_settings(env_file=None)
    assert settings.api.api_type == "pokemon"
    assert settings.api.sources == ["pokemon"]
    assert settings.worker.enabled is True
    assert settings.worker.sync_interval == timedelta(minutes=15)
    assert settings.worker.job_timeout == timedelta(minutes=10)
    assert settings.retry.max_retries == 5
    assert settings.retry.backoff_factor == 2.0
    assert settings.retry.circuit_threshold == 5
    assert settings.retry.circuit_timeout == timedelta(seconds=60)
    assert settings.database.host == "localhost"
    assert settings.database.port == 3306
    assert settings.database.user == "root"
    assert settings.database.password.get_secret_value() == ""
    assert settings.database.database == "item_sync"
    assert settings.redis.host == "localhost"
    assert settings.redis.port == 6379
    assert settings.redis.password is None
    assert settings.redis.db == 0
    assert settings.server.port == 8080
    assert settings.writer.linger == timedelta(milliseconds=100)
    sources = load_declared()  # the built-in definitions read the source variables
    assert sources["pokemon"].definition.base_url == "https://pokeapi.co/api/v2"
    weather = sources["openweather"].definition
    assert weather.base_url == "https://api.openweathermap.org/data/2.5"
    assert weather.auth.blank_fields() == ["value"]  # no key
    assert weather.list_.for_each is not None
    assert weather.list_.for_each.values == "London,Paris,Tokyo,New York,Sydney"


def test_variables_fill_their_sections(monkeypatch: pytest.MonkeyPatch) -> None:
    """``SECTION_NAME`` sets ``section.name``, names with underscores included."""
    for name, value in {
        "DATABASE_HOST": "db.internal",
        "DATABASE_PORT": "3307",
        "DATABASE_PASSWORD": "hunter2",
        "REDIS_DB": "3",
        "RETRY_MAX_RETRIES": "0",
        "WORKER_ENABLED": "false",
        "POKEAPI_BASE_URL": "http://standin:8081/api/v2/",
        "STREAM_MAX_DELIVERIES": "7",
        "WRITER_LINGER": "250ms",
    }.items():
        monkeypatch.setenv(name, value)
    settings = load_settings(env_file=None)
    assert settings.database.host == "db.internal"
    assert settings.database.port == 3307
    assert settings.database.password.get_secret_value() == "hunter2"
    assert "hunter2" not in repr(settings)
    assert settings.redis.db == 3
    assert settings.retry.max_retries == 0
    assert settings.worker.enabled is False
    assert load_declared()["pokemon"].definition.base_url == "http://standin:8081/api/v2"
    assert settings.stream.max_deliveries == 7
    assert settings.writer.linger == timedelta(milliseconds=250)


def test_env_file_is_read(tmp_path: Path) -> None:
    """A ``.env`` file given to load_settings supplies settings like the environment does."""
    env_file = tmp_path / "test.env"
    env_file.write_text("WORKER_SYNC_INTERVAL=2h\nSERVER_PORT=9000\n", encoding="utf-8")
    settings = load_settings(env_file=str(env_file))
    assert settings.worker.sync_interval == timedelta(hours=2)
    assert settings.server.port == 9000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15m", timedelta(minutes=15)),
        ("60s", timedelta(seconds=60)),
        ("500ms", timedelta(milliseconds=500)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("30", timedelta(seconds=30)),
        ("1.5m", timedelta(seconds=90)),
        (" 15 m ", timedelta(minutes=15)),
    ],
)
def test_durations_parse(monkeypatch: pytest.MonkeyPatch, text: str, expected: timedelta) -> None:
    """Durations are written as operators write them; a plain number means seconds."""
    monkeypatch.setenv("WORKER_SYNC_INTERVAL", text)
    assert load_settings(env_file=None).worker.sync_interval == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pokemon", ["pokemon"]),
        ("openweather", ["openweather"]),
        ("pokemon, openweather", ["pokemon", "openweather"]),
        ("pokemon,openweather", ["pokemon", "openweather"]),
        (" OpenWeather ,Pokemon ", ["openweather", "pokemon"]),
        ("pokemon,pokemon,openweather,", ["pokemon", "openweather"]),
    ],
)
def test_api_type_comma_list_is_normalised(
    monkeypatch: pytest.MonkeyPatch, text: str, expected: list[str]
) -> None:
    """API_API_TYPE is trimmed, lower-cased and de-duplicated, keeping the order given."""
    monkeypatch.setenv("API_API_TYPE", text)
    settings = load_settings(env_file=None)
    assert settings.api.sources == expected
    assert settings.api.api_type == ",".join(expected)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WORKER_SYNC_INTERVAL", "soon"),
        ("WORKER_SYNC_INTERVAL", "-5m"),
        ("WORKER_JOB_TIMEOUT", "10 minutes"),
        ("DATABASE_PORT", "abc"),
        ("DATABASE_PORT", "70000"),
        ("DATABASE_DATABASE", "item-sync; drop"),
        ("API_API_TYPE", "digimon"),
        ("API_API_TYPE", "pokemon,digimon"),
        ("API_API_TYPE", " , "),
        ("RETRY_MAX_RETRIES", "-1"),
        ("RETRY_BACKOFF_FACTOR", "0.5"),
        ("POKEAPI_BASE_URL", "ftp://x"),
        ("POKEAPI_PAGE_SIZE", "0"),
        ("REDIS_PORT", "six"),
        ("WORKER_ENABLED", "perhaps"),
        ("LOG_LEVEL", "loud"),
        ("API_SYNC_RATE_LIMIT", "lots"),
        ("API_CORS_ORIGINS", "app.example.com"),
        ("WRITER_LINGER", "6s"),
        ("WRITER_LINGER", "-1ms"),
    ],
)
def test_invalid_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    """An invalid value raises ConfigError with one line naming the variable and its value."""
    message = config_error(monkeypatch, **{name: value})
    assert "\n" not in message
    assert f"{name}=" in message
    assert repr(value) in message


def test_unparsable_section_variable_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bare section variable such as DATABASE=garbage gives a ConfigError naming it."""
    message = config_error(monkeypatch, DATABASE="garbage")
    assert "DATABASE" in message


@pytest.mark.parametrize("name", ["WORKER_SYNC_INTERVAL", "CACHE_ITEM_TTL", "STREAM_BLOCK"])
@pytest.mark.parametrize("value", ["0", "0s"])
def test_zero_durations_are_rejected_where_they_break_a_service(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    """A duration that must be positive (in whole milliseconds) gives a ConfigError naming it."""
    message = config_error(monkeypatch, **{name: value})
    assert f"{name}=" in message


def test_an_empty_database_password_still_means_none(monkeypatch: pytest.MonkeyPatch) -> None:
    """DATABASE_PASSWORD may stay empty: no password, nothing to mask."""
    monkeypatch.setenv("DATABASE_PASSWORD", "")
    assert load_settings(env_file=None).database.password.get_secret_value() == ""


def test_trusted_proxies_are_parsed_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """API_TRUSTED_PROXIES takes addresses and networks; a bad entry names the variable."""
    monkeypatch.setenv("API_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7 ,::1")
    networks = load_settings(env_file=None).api.trusted_proxy_networks
    assert [str(n) for n in networks] == ["10.0.0.0/8", "192.0.2.7/32", "::1/128"]
    message = config_error(monkeypatch, API_TRUSTED_PROXIES="10.0.0.0/8, proxy.local")
    assert message.startswith("invalid configuration: API_TRUSTED_PROXIES=")
    assert "proxy.local" in message
