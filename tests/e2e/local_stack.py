"""``make run-local``'s stack for README tests: ``.ci/run-local`` on its own ports and data.

The README's commands run against it as a reader runs them against ``make run-local``;
``start_stack`` takes the variables a README line puts before ``make run-local``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import redis

from harness.backends import REDIS_HOST, REDIS_PORT, database_name
from harness.processes import free_port, service_env

ROOT = Path(__file__).resolve().parents[2]
README_REDIS_DB = 13
STACK_READY_S = 120.0  # make run-local up and its first sync done, on a busy machine
STOP_WITHIN_S = 60.0  # Ctrl-C to every service gone, on a busy machine


@dataclass
class LocalStack:
    """``.ci/run-local`` running on its own ports and data, and what commands learned."""

    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log_path: Path
    job_ids: list[str] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        """Where this stack's api listens."""
        return f"http://127.0.0.1:{self.env['SERVER_PORT']}"

    def log(self) -> str:
        """The last of everything run-local and its services printed."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-6000:]


def stack_env() -> dict[str, str]:
    """run-local's environment for a test: its own database, Redis DB and ports."""
    database = database_name("item_sync_readme")
    return service_env(
        # run-local picks its own data from these; the CLI's exports are mapped onto them.
        LOCAL_DATABASE=database,
        LOCAL_REDIS_DB=str(README_REDIS_DB),
        DATABASE_DATABASE=database,
        REDIS_DB=str(README_REDIS_DB),
        SERVER_PORT=str(free_port()),
        STANDIN_PORT=str(free_port()),
        METRICS_PORT="0",  # the host is shared; no command here reads a worker's port
        # One slot a day, so no scheduled job can open mid-test and answer a POST as a duplicate.
        WORKER_SYNC_INTERVAL="1d",
        POKEAPI_RATE_LIMIT="100/s",  # run-local's default, which service_env turns off
    )


def start_stack(env: dict[str, str], log_path: Path) -> LocalStack:
    """Start run-local with ``env`` and wait until its first scheduled sync succeeded."""
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(  # noqa: S603 - our own script
            [str(ROOT / ".ci" / "run-local"), "--fetchers", "2", "--writers", "1"],
            env=env,
            cwd=ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # A run started in the background inherits SIGINT ignored, and bash cannot trap a
            # signal ignored at entry: give run-local a terminal's Ctrl-C back.
            preexec_fn=_default_sigint,
        )
    running = LocalStack(env=env, process=process, log_path=log_path)
    try:
        _wait_for_first_sync(running)
    except BaseException:
        stop_stack(running)
        raise
    return running


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_first_sync(stack: LocalStack) -> None:
    deadline = time.monotonic() + STACK_READY_S
    while time.monotonic() < deadline:
        if stack.process.poll() is not None:
            break
        try:
            url = f"{stack.api_url}/jobs?status=succeeded"
            with urllib.request.urlopen(url, timeout=2) as reply:  # noqa: S310 - our local api
                if json.loads(reply.read())["total"] >= 1:
                    return
        except urllib.error.HTTPError as exc:
            exc.close()  # not up yet: release its socket now, not at collection
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("run-local's first scheduled sync did not finish:\n" + stack.log())


def stop_stack(stack: LocalStack) -> None:
    """As Ctrl-C does: run-local forwards one SIGTERM to item-sync and stops the stand-in."""
    if stack.process.poll() is None:
        stack.process.send_signal(signal.SIGINT)
        try:
            stack.process.wait(timeout=STOP_WITHIN_S)
        except subprocess.TimeoutExpired:
            os.killpg(stack.process.pid, signal.SIGKILL)
            stack.process.wait()
    _wait_until_no_service_is_connected(stack.env)


def _wait_until_no_service_is_connected(env: dict[str, str]) -> None:
    """The services run in a session of their own: gone only when none holds a connection."""
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=int(env["REDIS_DB"]))
    try:
        me = client.client_id()
        deadline = time.monotonic() + STOP_WITHIN_S
        while True:
            others = [
                c for c in client.client_list() if c["db"] == env["REDIS_DB"] and c["id"] != str(me)
            ]
            if not others:
                return
            assert time.monotonic() < deadline, f"services still connected after Ctrl-C: {others}"
            time.sleep(0.2)
    finally:
        client.close()
