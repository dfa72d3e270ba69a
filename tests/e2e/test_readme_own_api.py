"""The README's "Add your own API" runs as printed: from an empty file to synced rows.

The commands, the file and the answers are read from the README. They run in a folder
of their own, as in a second terminal next to ``make run-local`` (started as
``.ci/run-local`` on its own ports and data); the line that restarts run-local with the
new source restarts it with the variables that line sets.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from harness.processes import reset_backends
from tests.e2e.local_stack import ROOT, LocalStack, stack_env, start_stack, stop_stack
from tests.e2e.readme_commands import ReadmeCommand, ReadmeFile, answer_mismatches, steps_in

SECTION = "Add your own API"
RESTART = "make run-local"
COMMAND_TIMEOUT_S = 60.0
FIRST_SYNC_S = 40.0


def test_add_your_own_api_runs_as_printed(backends: None, tmp_path: Path) -> None:
    """Each command of the walk-through answers as printed, with the exit status printed."""
    if not (ROOT / ".venv" / "bin" / "item-sync").exists():
        pytest.skip("run-local needs .venv: run make venv")
    steps = steps_in((ROOT / "README.md").read_text(encoding="utf-8"), SECTION)
    assert any(isinstance(step, ReadmeFile) for step in steps), "the section writes no file"
    assert sum(isinstance(step, ReadmeCommand) for step in steps) >= 10
    env = stack_env()
    reset_backends(env)
    workdir = tmp_path / "terminal"
    workdir.mkdir()
    log = tmp_path / "run-local.log"
    stack = start_stack(env, log)
    shell = dict(stack.env)  # the second terminal
    try:
        for step in steps:
            if isinstance(step, ReadmeFile):
                (workdir / step.path).write_text(step.text, encoding="utf-8")
                continue
            text = _on_this_stack(step.text, stack)
            if text.endswith(RESTART):
                stop_stack(stack)
                assigned = _assigned(text.removesuffix(RESTART), shell, workdir)
                stack = start_stack({**env, **assigned}, log)
                _wait_for_a_sync(stack, "github")
            elif text.startswith("export "):
                shell = _exported(text, shell, workdir)
            else:
                _run_and_compare(step, text, shell, workdir, stack)
    finally:
        stop_stack(stack)
    token = shell["GITHUB_TOKEN"]
    assert token not in log.read_text(encoding="utf-8", errors="replace"), "a log shows the token"


def _on_this_stack(text: str, stack: LocalStack) -> str:
    text = text.replace("localhost:8080", f"127.0.0.1:{stack.env['SERVER_PORT']}")
    text = text.replace("127.0.0.1:8900", f"127.0.0.1:{stack.env['STANDIN_PORT']}")
    return text.replace(".venv/bin/item-sync", str(Path(sys.executable).parent / "item-sync"))


def _run_and_compare(
    step: ReadmeCommand, text: str, shell: dict[str, str], workdir: Path, stack: LocalStack
) -> None:
    done = _bash(text, shell, workdir)
    output = done.stdout + done.stderr
    where = f"{step.text}\n--- printed (exit {done.returncode}):\n{output[:2500]}"
    assert done.returncode == step.expected_exit, f"{where}\n--- stack:\n{stack.log()}"
    mismatches = answer_mismatches(step, done.stdout if _is_json(step) else output)
    assert not mismatches, f"{where}\n--- differs: {mismatches}"


def _is_json(step: ReadmeCommand) -> bool:
    return bool(step.expected_body) and step.expected_body[0].startswith('{"')


def _exported(text: str, shell: dict[str, str], workdir: Path) -> dict[str, str]:
    """The environment after ``text`` (an ``export``), expanded as bash expands it."""
    done = _bash(f"{text} && env -0", shell, workdir)
    assert done.returncode == 0, done.stderr
    pairs = (entry.partition("=") for entry in done.stdout.split("\0") if entry)
    return {name: value for name, _, value in pairs}


def _assigned(assignments: str, shell: dict[str, str], workdir: Path) -> dict[str, str]:
    """The variables a ``VAR=value ... make run-local`` line sets."""
    after = _exported(f"export {assignments.strip()}", shell, workdir)
    return {name: after[name] for name in re.findall(r"(?:^|\s)([A-Za-z_]\w*)=", assignments)}


def _bash(text: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - the README's own commands
        ["bash", "-c", text],  # noqa: S607 - bash from PATH, as a reader runs them
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
    )


def _wait_for_a_sync(stack: LocalStack, source: str) -> None:
    """Until the restarted scheduler's first sync of ``source`` has succeeded."""
    url = f"{stack.api_url}/jobs?source={source}&status=succeeded"
    deadline = time.monotonic() + FIRST_SYNC_S
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:  # noqa: S310 - our local api
                if json.loads(reply.read())["total"] >= 1:
                    return
        except urllib.error.HTTPError as exc:
            exc.close()
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"no {source} sync succeeded after the restart:\n{stack.log()}")
