"""Every command in the README's Quick start and Using the API answers as the README says.

The commands are read from the README itself, so the test breaks when the README drifts.
The stack is started the way ``make run-local`` starts it (``.ci/run-local``), on its own
ports, database and Redis DB; host, port and job id are substituted into the commands.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pymysql
import pytest
import redis

from harness.backends import MYSQL_HOST, REDIS_HOST, REDIS_PORT
from harness.processes import reset_backends
from tests.e2e.local_stack import ROOT, LocalStack, stack_env, start_stack, stop_stack
from tests.e2e.readme_commands import ReadmeCommand, answer_mismatches, commands_in

README = ROOT / "README.md"
SECTIONS = ("Quick start", "Using the API")
# Commands that start the stack or the suite: the test starts the stack itself instead.
STARTS_THE_STACK = frozenset({"make run-local"})
# Commands meant for a stopped stack: run after it has stopped.
AFTER_STOP = frozenset({"make reset-local"})
COMMAND_TIMEOUT_S = 30.0
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
STATUS_SUFFIX = "\nHTTP_STATUS=%{http_code}"


@pytest.fixture
def stack(backends: None, tmp_path: Path) -> Iterator[LocalStack]:
    """``make run-local``'s stack, migrated and past its first scheduled sync."""
    if not (ROOT / ".venv" / "bin" / "item-sync").exists():
        pytest.skip("run-local needs .venv: run make venv")
    env = stack_env()
    reset_backends(env)
    running = start_stack(env, tmp_path / "run-local.log")
    try:
        yield running
    finally:
        stop_stack(running)


def test_readme_commands_answer_as_printed(stack: LocalStack) -> None:
    """Each Quick start and Using the API command runs and answers as its comment says."""
    readme = README.read_text(encoding="utf-8")
    commands = [command for title in SECTIONS for command in commands_in(readme, title)]
    printed = {command.text for command in commands}
    assert printed >= STARTS_THE_STACK | AFTER_STOP, "a listed command left the README"
    assert len(commands) > 20, "the README's commands were not found"

    for command in commands:
        if command.text in STARTS_THE_STACK | AFTER_STOP:
            continue
        if command.text.startswith("export "):
            _export(command.text, stack.env)
            continue
        _check(command, _run(command, stack), stack)

    stop_stack(stack)
    for command in commands:
        if command.text in AFTER_STOP:
            _check(command, _run(command, stack), stack)
    _assert_local_data_is_gone(stack.env)


# What the README exports to reach run-local's data, and run-local's defaults for them: the
# test keeps its own database and Redis DB, but checks the README names run-local's.
RUN_LOCAL_DATA = {"DATABASE_DATABASE": "item_sync_local", "REDIS_DB": "1"}


def _export(text: str, env: dict[str, str]) -> None:
    for assignment in text.removeprefix("export ").split():
        name, _, value = assignment.partition("=")
        if name in RUN_LOCAL_DATA:
            assert value == RUN_LOCAL_DATA[name], f"{name}={value} is not run-local's"
            continue
        env[name] = value


@dataclass(frozen=True)
class Answer:
    """What one command printed, and the HTTP status when it was asked for."""

    returncode: int
    output: str
    status: int | None


def _run(command: ReadmeCommand, stack: LocalStack) -> Answer:
    shell = _substitute(command, stack)
    done = subprocess.run(  # noqa: S603 - the README's own commands
        ["bash", "-c", shell],  # noqa: S607 - bash from PATH, as a reader runs them
        env=stack.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
    )
    output, status = done.stdout, None
    if command.expected_status is not None:
        output, _, code = output.rpartition("\nHTTP_STATUS=")
        status = int(code.strip())
    stack.job_ids.extend(UUID.findall(output))
    assert done.returncode == 0, f"{command.text}\nexit {done.returncode}: {done.stderr}"
    return Answer(done.returncode, output, status)


def _substitute(command: ReadmeCommand, stack: LocalStack) -> str:
    shell = command.text.replace("localhost:8080", f"127.0.0.1:{stack.env['SERVER_PORT']}")
    shell = shell.replace(".venv/bin/item-sync", str(Path(sys.executable).parent / "item-sync"))
    if "<job_id>" in shell:
        assert stack.job_ids, f"{command.text}: no job id was printed before it"
        shell = shell.replace("<job_id>", stack.job_ids[-1])
    if command.expected_status is not None:
        assert shell.startswith("curl "), f"a status is promised for a non-curl: {command.text}"
        assert "|" not in shell, f"a status is promised for a pipeline: {command.text}"
        shell = f"curl -w '{STATUS_SUFFIX}' " + shell.removeprefix("curl ")
    return shell


def _check(command: ReadmeCommand, answer: Answer, stack: LocalStack) -> None:
    where = f"[{command.section}] {command.text}\n--- printed:\n{answer.output[:1500]}"
    if command.expected_status is not None:
        assert answer.status == command.expected_status, where
    if not command.expected:
        _assert_not_an_error(answer.output, where)
    mismatches = answer_mismatches(command, answer.output)
    assert not mismatches, f"{where}\n--- differs: {mismatches}\n--- stack:\n{stack.log()}"


def _assert_not_an_error(output: str, where: str) -> None:
    try:
        answer = json.loads(output)
    except ValueError:
        return
    assert not (isinstance(answer, dict) and "error" in answer), where


def _assert_local_data_is_gone(env: dict[str, str]) -> None:
    conn = pymysql.connect(host=MYSQL_HOST, user="root", password="")
    with conn.cursor() as cur:
        cur.execute("SHOW DATABASES LIKE %s", (env["DATABASE_DATABASE"],))
        assert cur.fetchall() == ()
    conn.close()
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=int(env["REDIS_DB"]))
    assert sorted(client.keys()) == []
    client.close()
