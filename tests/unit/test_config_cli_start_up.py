"""Starting the CLI with bad settings: exit 2 with one line, .env read, tokens required."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.cli import EXIT_CONFIG, main
from shared.config import load_settings

pytestmark = pytest.mark.usefixtures("clean_env")


@pytest.mark.parametrize(
    ("name", "value"),
    [("WORKER_SYNC_INTERVAL", "soon"), ("DATABASE_PORT", "abc"), ("API_API_TYPE", "digimon")],
)
def test_cli_exits_2_with_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, value: str
) -> None:
    """``item-sync migrate`` with an invalid variable prints one line and exits 2 before any I/O."""
    monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_PASSWORD", "hunter2")
    assert main(["migrate"]) == EXIT_CONFIG == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert f"{name}=" in lines[0]
    assert "hunter2" not in captured.err


def test_cli_reads_dotenv_in_the_working_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI reads ``.env`` from the working directory, so its invalid values stop it too."""
    (tmp_path / ".env").write_text("RETRY_MAX_RETRIES=-1\n", encoding="utf-8")
    assert main(["migrate"]) == EXIT_CONFIG
    assert "RETRY_MAX_RETRIES=" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["api", "run"])
@pytest.mark.parametrize("token", [None, "", "   "])
def test_api_refuses_to_start_without_a_token(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
    token: str | None,
) -> None:
    """With no API_TOKEN (or a blank one) and anonymous writes off, api exits 2 with one line."""
    if token is not None:
        monkeypatch.setenv("API_TOKEN", token)
    assert main([command]) == EXIT_CONFIG
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert "API_TOKEN" in lines[0]
    assert "API_ALLOW_ANONYMOUS_WRITES=true" in lines[0]


@pytest.mark.parametrize(
    ("env", "allowed"),
    [
        ({"API_TOKEN": "a-token"}, True),
        ({"API_ALLOW_ANONYMOUS_WRITES": "true"}, True),
        ({"API_ALLOW_ANONYMOUS_WRITES": "false"}, False),
        ({}, False),
    ],
)
def test_write_access_is_either_a_token_or_an_explicit_choice(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], allowed: bool
) -> None:
    """The API may start with a token, or when anonymous writes were asked for by name."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    problem = load_settings(env_file=None).api.write_access_problem()
    assert (problem is None) == allowed
