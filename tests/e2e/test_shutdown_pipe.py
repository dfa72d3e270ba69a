"""Stopping ``item-sync run``: SIGTERM stops every service cleanly even when the reader of
their stdout is gone, and a ``kill -9`` of the runner stops its children as SIGTERM would."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.processes import Pipeline
from tests.e2e.waiting import wait_until

WAIT_EXIT_S = 60.0  # a deadline only: the runner itself kills a child after its grace
ORPHANS_GONE_WITHIN_S = 30.0  # no runner kills them: STREAM_SHUTDOWN_GRACE (8 s), then exit


def _read_until(
    pipe: Any, done: Callable[[list[dict[str, Any]]], bool], timeout_s: float = 60.0
) -> list[dict[str, Any]]:
    """Read JSON log lines from ``pipe`` until ``done(lines so far)``; those lines."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ready, _, _ = select.select([pipe], [], [], deadline - time.monotonic())
        line = pipe.readline() if ready else b""
        if not line:
            break
        seen.append(json.loads(line))
        if done(seen):
            return seen
    raise AssertionError(f"not seen within {timeout_s:.0f} s: {[s['event'] for s in seen]}")


def _events(lines: list[dict[str, Any]], event: str) -> list[dict[str, Any]]:
    return [line for line in lines if line["event"] == event]


def _gone(pid: int) -> bool:
    """Exited: no such process, or a zombie nobody reaped yet (an orphan's reaper may be slow)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    except OSError:  # no /proc: ask the kernel directly
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False
    return stat.rpartition(")")[2].split()[0] == "Z"


def _read_to_end(pipe: Any, timeout_s: float) -> list[dict[str, Any]]:
    """Every JSON log line until every writer closed ``pipe``; fails past ``timeout_s``."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([pipe], [], [], left)
        line = pipe.readline() if ready else None
        if line == b"":
            return seen
        if line:
            seen.append(json.loads(line))
    raise AssertionError(f"still written to after {timeout_s:.0f} s: {[s['event'] for s in seen]}")


def _child_pids(pid: int) -> list[int]:
    """The runner's children, from /proc (Linux)."""
    try:
        return [
            int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ]
    except OSError:
        return []


def _stop_for_good(runner: subprocess.Popen[bytes]) -> None:
    """Whatever failed: no child may outlive the test, or it would steal the next one's work."""
    if runner.poll() is not None:
        return  # it stopped or killed its children itself
    children = _child_pids(runner.pid)
    runner.send_signal(signal.SIGTERM)
    try:
        runner.wait(timeout=20)
    except subprocess.TimeoutExpired:
        runner.kill()  # its children are orphans now, still under their own pids
        runner.wait()
        for pid in children:
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)


def _start_run(pipeline: Pipeline, stderr_path: Path) -> subprocess.Popen[bytes]:
    """``item-sync run`` (2 fetchers, 1 writer), its stdout a pipe, its stderr to a file."""
    with stderr_path.open("wb") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "services.cli", "run", "--fetchers", "2", "--writers", "1"],
            env={**pipeline.env, "WORKER_ENABLED": "true"},
            cwd=pipeline.workdir,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )


def test_run_stops_every_child_cleanly_after_its_stdout_reader_went_away(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    """``item-sync run | reader``; the reader exits, then SIGTERM: all exit 0 within seconds."""
    stderr_path = tmp_path / "run.stderr"
    runner = _start_run(pipeline, stderr_path)
    assert runner.stdout is not None
    try:
        lines = _read_until(
            runner.stdout,
            lambda seen: (
                len(_events(seen, "service.started")) == 5 and bool(_events(seen, "page.fetched"))
            ),  # every child is up, work is in flight
        )
        children: dict[str, int] = _events(lines, "run.started")[0]["children"]
        assert sorted(children) == ["api", "fetcher-1", "fetcher-2", "scheduler", "writer-1"]
        runner.stdout.close()  # as `| tee` does on Ctrl-C: every later write hits EPIPE

        runner.send_signal(signal.SIGTERM)
        code = runner.wait(timeout=WAIT_EXIT_S)
    finally:
        _stop_for_good(runner)
    errors = stderr_path.read_text(encoding="utf-8", errors="replace")
    # 0 only when every child exited 0 within the runner's grace: one that ignored SIGTERM
    # would have been killed, logged run.child_failed_to_stop, and made it 1.
    assert code == 0, errors
    assert "run.child_failed_to_stop" not in errors
    assert all(_gone(pid) for pid in children.values())
    assert "Traceback" not in errors
    assert "BrokenPipeError" not in errors
    # What could not go to stdout went to stderr, still one JSON object a line.
    stopped = [json.loads(line) for line in errors.splitlines()]
    assert {line["service"] for line in stopped if line["event"] == "service.stopped"} == {
        "api",
        "scheduler",
        "fetcher",
        "writer",
    }


def test_every_child_stops_gracefully_when_the_runner_is_killed(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    """``kill -9`` of ``item-sync run`` mid-sync: no child keeps running unsupervised; each
    stops as on SIGTERM (``service.stopped``: it handed back its work) within seconds."""
    stderr_path = tmp_path / "run.stderr"
    runner = _start_run(pipeline, stderr_path)
    assert runner.stdout is not None
    children: dict[str, int] = {}
    try:
        lines = _read_until(
            runner.stdout,
            lambda seen: (
                len(_events(seen, "service.started")) == 5 and bool(_events(seen, "page.fetched"))
            ),
        )
        children = _events(lines, "run.started")[0]["children"]
        runner.kill()
        runner.wait()
        after = _read_to_end(runner.stdout, timeout_s=ORPHANS_GONE_WITHIN_S)
        wait_until(
            lambda: all(_gone(pid) for pid in children.values()),
            timeout_s=ORPHANS_GONE_WITHIN_S,
            what="every child of the killed runner gone",
            details=lambda: f"alive: {[n for n, p in children.items() if not _gone(p)]}",
        )
    finally:
        for pid in children.values():  # never leave an orphan behind for the next test
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)
        _stop_for_good(runner)
        runner.stdout.close()
    errors = stderr_path.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in errors, errors
    stopped = sorted(line["service"] for line in after if line["event"] == "service.stopped")
    assert stopped == ["api", "fetcher", "fetcher", "scheduler", "writer"], after
