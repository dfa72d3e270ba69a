"""The mistakes of a first hour each get one line that says what to do next."""

from __future__ import annotations

import argparse
import re
import socket
from collections.abc import Iterator

import pymysql
import pytest

from harness.processes import free_port
from services.cli import EXIT_CONFIG, _parser, main
from services.ops.unreachable import unreachable_message
from shared.config import LOG_LEVELS, MetricsSettings, load_settings
from shared.errors import ConfigError
from shared.observability.metrics import ITEMS, render_metrics
from shared.runtime.ports import PortInUse, ensure_port_free, next_free_port
from shared.sources.registry import not_enabled_message

pytestmark = pytest.mark.usefixtures("clean_env")


def test_every_invalid_variable_is_reported_on_its_own_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Three invalid variables give three lines, each naming its variable, so one fix round."""
    monkeypatch.setenv("WORKER_SYNC_INTERVAL", "soon")
    monkeypatch.setenv("DATABASE_PORT", "abc")
    monkeypatch.setenv("LOG_LEVEL", "loud")
    with pytest.raises(ConfigError) as caught:
        load_settings(env_file=None)
    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    for variable, line in zip(
        ["WORKER_SYNC_INTERVAL", "DATABASE_PORT", "LOG_LEVEL"], lines, strict=True
    ):
        assert line.startswith(f"invalid configuration: {variable}=")


@pytest.mark.parametrize(("variable", "allowed"), [("LOG_LEVEL", LOG_LEVELS)])
def test_log_level_error_lists_the_allowed_values(
    monkeypatch: pytest.MonkeyPatch, variable: str, allowed: tuple[str, ...]
) -> None:
    """LOG_LEVEL=loud names debug, info, warning and error, not a regular expression."""
    monkeypatch.setenv(variable, "loud")
    with pytest.raises(ConfigError) as caught:
        load_settings(env_file=None)
    message = str(caught.value)
    assert f"choose one of {', '.join(allowed)}" in message
    assert "^" not in message
    assert "pattern" not in message


def test_log_settings_accept_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    """LOG_LEVEL=DEBUG is as good as debug."""
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    assert load_settings(env_file=None).log.level == "debug"


def test_cli_prints_every_invalid_variable_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI prints one line per invalid variable on stderr and nothing else."""
    monkeypatch.setenv("REDIS_PORT", "six")
    monkeypatch.setenv("LOG_FORMAT", "fancy")
    assert main(["status"]) == EXIT_CONFIG
    lines = capsys.readouterr().err.splitlines()
    assert [line.split("=")[0] for line in lines] == [
        "invalid configuration: REDIS_PORT",
        "invalid configuration: LOG_FORMAT",
    ]


def _all_parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _all_parsers(sub)


def test_help_shows_no_markup() -> None:
    """`item-sync --help` and every command's help are plain text, without RST backticks."""
    for parser in _all_parsers(_parser()):
        assert "``" not in parser.format_help(), parser.prog


def test_dlq_purge_without_ids_deletes_nothing_and_says_what_to_pass(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`dlq purge` alone is refused before any connection, pointing at ids or --all."""
    assert main(["dlq", "purge"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert "--all" in err
    assert "item-sync dlq list" in err


def test_dlq_purge_takes_ids_or_all_not_both(capsys: pytest.CaptureFixture[str]) -> None:
    """Ids together with --all are refused: the two mean different things."""
    assert main(["dlq", "purge", "1-0", "--all"]) == 2
    assert "not both" in capsys.readouterr().err


def test_run_on_a_taken_api_port_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], taken_port: int
) -> None:
    """`item-sync run` checks SERVER_PORT before it starts anything and names the variable."""
    monkeypatch.setenv("SERVER_PORT", str(taken_port))
    monkeypatch.setenv("SERVER_HOST", "127.0.0.1")
    monkeypatch.setenv("API_TOKEN", "a-token-for-writes")
    assert main(["run"]) == 1
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert f"port {taken_port} (SERVER_PORT) is already in use" in lines[0]
    suggested = re.search(r"e\.g\. SERVER_PORT=(\d+)$", lines[0])
    assert suggested is not None
    assert int(suggested[1]) > taken_port


def test_a_free_port_passes_the_check() -> None:
    """A port nobody listens on raises nothing."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    ensure_port_free("127.0.0.1", port, "SERVER_PORT")


def test_port_in_use_names_port_and_variable(taken_port: int) -> None:
    """The check raises PortInUse carrying the port and the variable that moves it."""
    with pytest.raises(PortInUse) as caught:
        ensure_port_free("127.0.0.1", taken_port, "SERVER_PORT")
    assert (caught.value.port, caught.value.variable) == (taken_port, "SERVER_PORT")


def _two_adjacent_listeners() -> tuple[socket.socket, socket.socket]:
    """Listen on two neighbouring ports; retry until the system hands out a free pair."""
    for _ in range(100):
        first = socket.socket()
        first.bind(("127.0.0.1", 0))
        port = int(first.getsockname()[1])
        second = socket.socket()
        try:
            second.bind(("127.0.0.1", port + 1))
        except OSError:
            first.close()
            second.close()
            continue
        first.listen()
        second.listen()
        return first, second
    raise AssertionError("no two neighbouring free ports in 100 tries")


def test_the_suggested_port_skips_taken_ones() -> None:
    """The port suggested instead is one that is free now, not just the next number."""
    first, second = _two_adjacent_listeners()
    with first, second:
        taken = int(first.getsockname()[1])
        assert next_free_port("127.0.0.1", taken) >= taken + 2


def test_source_not_enabled_names_api_api_type() -> None:
    """The answer to a sync of a known but disabled source says which setting to change."""
    message = not_enabled_message("openweather", ["pokemon"])
    assert "API_API_TYPE=pokemon,openweather" in message
    assert "\n" not in message


def test_metrics_have_no_created_series() -> None:
    """/metrics carries no *_created timestamps, which read as billions of items."""
    ITEMS.labels("pokemon", "created").inc(0)
    body, _ = render_metrics()
    assert b"itemsync_items_total" in body
    assert b"_created" not in body


def test_worker_metrics_stay_off_node_exporters_port() -> None:
    """Workers serve /metrics from 8091 up, not on 9100 where node_exporter usually runs."""
    assert MetricsSettings().port == 8091


def test_an_operator_command_without_redis_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`item-sync dlq list` with nothing on REDIS_PORT names the address and `make services`."""
    port = free_port()
    monkeypatch.setenv("REDIS_HOST", "127.0.0.1")
    monkeypatch.setenv("REDIS_PORT", str(port))
    assert main(["dlq", "list"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"error: cannot reach Redis at 127.0.0.1:{port} (REDIS_HOST, REDIS_PORT): "
        "is it running? `make services` starts Redis and MariaDB here"
    ]


def test_migrate_without_mysql_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`item-sync migrate` with nothing on DATABASE_PORT names the address, no traceback."""
    port = free_port()
    monkeypatch.setenv("DATABASE_HOST", "127.0.0.1")
    monkeypatch.setenv("DATABASE_PORT", str(port))
    assert main(["migrate"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert f"cannot reach MySQL at 127.0.0.1:{port} (DATABASE_HOST, DATABASE_PORT)" in err[0]


@pytest.mark.parametrize(
    ("code", "hint"),
    [(1045, "DATABASE_PASSWORD"), (1698, "DATABASE_USER"), (1049, "item-sync migrate")],
)
def test_mysql_refusals_say_what_to_check(code: int, hint: str) -> None:
    """Access denied and a missing database each point at the setting or command to fix it."""
    message = unreachable_message(pymysql.err.OperationalError(code, "no"), load_settings(None))
    assert message is not None
    assert hint in message


def test_other_mysql_errors_are_not_disguised() -> None:
    """An error that is not about reaching the server gets no made-up advice."""
    error = pymysql.err.OperationalError(1213, "Deadlock found")
    assert unreachable_message(error, load_settings(None)) is None
