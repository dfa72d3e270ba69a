"""A second local stack on taken ports stops at once with one line, not a traceback."""

from __future__ import annotations

import re
import socket
import subprocess
from pathlib import Path

import pytest

from harness.processes import Pipeline, free_port, service_env

ROOT = Path(__file__).resolve().parents[2]


def test_api_on_a_taken_port_exits_with_one_line(pipeline: Pipeline, taken_port: int) -> None:
    """`item-sync api` whose SERVER_PORT is taken prints the port and the fix, no traceback."""
    api = pipeline.start("api", SERVER_PORT=str(taken_port), SERVER_HOST="127.0.0.1")
    assert api.process.wait(timeout=30) == 1
    log = api.log()
    assert "Traceback" not in log
    errors = [line for line in log.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1
    assert re.fullmatch(
        rf"error: port {taken_port} \(SERVER_PORT\) is already in use, perhaps by another "
        r"item-sync: stop that one \(Ctrl-C\) or choose a free port, e\.g\. SERVER_PORT=\d+",
        errors[0],
    ), errors[0]


def test_run_local_on_a_taken_port_starts_nothing(taken_port: int) -> None:
    """run-local checks its ports first: one line naming the port and the variable to set."""
    if not (ROOT / ".venv" / "bin" / "item-sync").exists():
        pytest.skip("run-local needs .venv: run make venv")
    standin_port = free_port()
    env = service_env(SERVER_PORT=str(taken_port), STANDIN_PORT=str(standin_port))
    done = subprocess.run(  # noqa: S603 - our own script
        [str(ROOT / ".ci" / "run-local")],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1
    assert re.fullmatch(
        rf"run-local: port {taken_port} \(SERVER_PORT\) is already in use, perhaps by another "
        r"run-local: stop that one with Ctrl-C, or choose a free port: "
        r"SERVER_PORT=\d+ make run-local",
        lines[0],
    ), lines[0]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", standin_port))  # the stand-in never started
