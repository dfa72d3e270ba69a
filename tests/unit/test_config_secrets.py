"""Secret settings: read from key files, never echoed in errors, too short to mask refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from services.cli import EXIT_CONFIG, main
from shared.config import load_settings
from shared.sources.registry import load_declared
from tests.unit.config_errors import config_error

pytestmark = pytest.mark.usefixtures("clean_env")


@pytest.mark.parametrize(
    "secret_env",
    [
        {"DATABASE_PASSWORD": "hunter2-db"},
        {"REDIS_PASSWORD": "hunter2-redis"},
        {"API_TOKEN": "hunter2-token"},
        {"OPENWEATHER_API_KEY": "hunter2-key"},
    ],
)
def test_secrets_are_not_echoed_in_errors(
    monkeypatch: pytest.MonkeyPatch, secret_env: dict[str, str]
) -> None:
    """A ConfigError caused by another variable never shows a secret that is also set."""
    message = config_error(monkeypatch, DATABASE_PORT="abc", **secret_env)
    assert "DATABASE_PORT=" in message
    assert "hunter2" not in message


def test_unreadable_key_file_does_not_echo_secrets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A key file that cannot be read raises ConfigError that shows no secret."""
    message = config_error(
        monkeypatch,
        OPENWEATHER_API_KEY_FILE=str(tmp_path / "missing.key"),
        DATABASE_PASSWORD="hunter2",
        API_TOKEN="hunter2-token",
    )
    assert "\n" not in message
    assert "OPENWEATHER_API_KEY_FILE" in message
    assert "hunter2" not in message


def test_unreadable_key_file_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An unreadable OPENWEATHER_API_KEY_FILE gives a ConfigError naming that variable."""
    message = config_error(monkeypatch, OPENWEATHER_API_KEY_FILE=str(tmp_path / "missing.key"))
    assert "OPENWEATHER_API_KEY_FILE=" in message


@pytest.mark.parametrize("content", ["s3cr3t-key\n", "s3cr3t-key", "  s3cr3t-key \r\n\n"])
def test_api_key_is_read_from_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, content: str
) -> None:
    """OPENWEATHER_API_KEY_FILE supplies the key, stripped, as a SecretStr that hides it."""
    key_file = tmp_path / "openweather.key"
    key_file.write_text(content, encoding="utf-8")
    monkeypatch.setenv("OPENWEATHER_API_KEY_FILE", str(key_file))
    settings = load_settings(env_file=None)
    definition = load_declared()["openweather"].definition
    assert definition.auth.secret_values() == ["s3cr3t-key"]
    key = getattr(definition.auth, "value", None)
    assert isinstance(key, SecretStr)
    assert "s3cr3t" not in repr(key)
    assert "s3cr3t" not in str(key)
    assert "s3cr3t" not in repr(definition)
    assert "s3cr3t" not in definition.model_dump_json()
    assert "s3cr3t" not in repr(settings)


def test_api_key_variable_wins_over_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """When both are set, OPENWEATHER_API_KEY is used and the file is not read."""
    monkeypatch.setenv("OPENWEATHER_API_KEY", "from-env")
    monkeypatch.setenv("OPENWEATHER_API_KEY_FILE", str(tmp_path / "does-not-exist"))
    assert load_declared()["openweather"].definition.auth.secret_values() == ["from-env"]


@pytest.mark.parametrize(
    "name", ["API_TOKEN", "DATABASE_PASSWORD", "REDIS_PASSWORD", "OPENWEATHER_API_KEY"]
)
def test_a_secret_too_short_to_mask_stops_start_up(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """A secret under four characters could not be masked in logs: exit 2 naming it."""
    monkeypatch.setenv(name, "abc")
    assert main(["migrate"]) == EXIT_CONFIG
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert f"{name}=***" in lines[0]
    assert "at least 4 characters" in lines[0]
    assert "abc" not in lines[0]


def test_a_key_file_holding_a_short_key_stops_start_up(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A key file whose key is too short to mask names OPENWEATHER_API_KEY_FILE."""
    key_file = tmp_path / "openweather.key"
    key_file.write_text("ab\n", encoding="utf-8")
    message = config_error(monkeypatch, OPENWEATHER_API_KEY_FILE=str(key_file))
    assert "OPENWEATHER_API_KEY_FILE=" in message
    assert "at least 4 characters" in message
