"""Running item-sync services as real OS processes, for end-to-end tests and benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pymysql
import redis

from harness.backends import REDIS_HOST, REDIS_PORT
from harness.standin.process import StandinProcess
from shared.config import setting_prefixes

STOP_TIMEOUT_S = 15.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_cli(
    *args: str,
    env: Mapping[str, str],
    cwd: Path,
    python: str = sys.executable,
    timeout_s: float = 60.0,
) -> subprocess.CompletedProcess[str]:
    """Run ``item-sync ARGS`` to completion as a user runs it: a real process, its exit code
    and its output as text."""
    return subprocess.run(  # noqa: S603 - our own CLI
        [python, "-m", "services.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


@dataclass
class ServiceProcess:
    """One ``item-sync <role>`` child with its log file."""

    role: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        """Everything the service printed so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_size(self) -> int:
        """How many characters the log holds now: a mark for ``count_events(since=...)``."""
        return len(self.log())

    def count_events(self, event: str, *, since: int = 0) -> int:
        """How many JSON log lines of ``event`` the service wrote after the mark ``since``."""
        return self.log()[since:].count(f'"event": "{event}"')

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        """Signal the process and wait for it to exit; kill it after the timeout."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@dataclass
class Pipeline:
    """A set of running services sharing one environment."""

    env: dict[str, str]
    workdir: Path
    services: list[ServiceProcess] = field(default_factory=list)
    # The interpreter the services run under: another checkout's venv runs that checkout.
    python: str = sys.executable

    @property
    def api_url(self) -> str:
        """Base URL of the API."""
        return f"http://127.0.0.1:{self.env['SERVER_PORT']}"

    def start(self, role: str, **env_overrides: str) -> ServiceProcess:
        """Start one ``item-sync <role>`` process, optionally with its own settings."""
        index = sum(1 for s in self.services if s.role == role)
        log_path = self.workdir / f"{role}-{index}.log"
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(  # noqa: S603 - our own CLI
                [self.python, "-m", "services.cli", role],
                env={**self.env, **env_overrides},
                cwd=self.workdir,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        service = ServiceProcess(role=role, process=process, log_path=log_path)
        self.services.append(service)
        return service

    def start_and_wait(self, *roles: str) -> list[ServiceProcess]:
        """Start one process per role, in order, then wait until the API answers."""
        started = [self.start(role) for role in roles]
        self.wait_for_api()
        return started

    def migrate(self) -> None:
        """Run ``item-sync migrate`` to completion; fail with its stderr if it does not."""
        migrated = self.run_cli("migrate")
        if migrated.returncode != 0:
            raise RuntimeError(f"migrate failed: {migrated.stderr}")

    def run_cli(self, *args: str, timeout_s: float = 60.0) -> subprocess.CompletedProcess[str]:
        """Run a one-shot ``item-sync`` command to completion."""
        return run_cli(
            *args, env=self.env, cwd=self.workdir, python=self.python, timeout_s=timeout_s
        )

    def wait_for_api(self, timeout_s: float = 60.0) -> None:
        """Block until /health answers 200 (a minute: a busy machine starts services slowly)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except urllib.error.HTTPError as exc:
                exc.close()  # a 503 while it starts: release its socket now, not at collection
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the API did not become healthy:\n" + self.logs())

    def logs(self) -> str:
        """Every service's log, for failure messages."""
        return "\n".join(
            f"--- {s.role} ({s.log_path.name})\n{s.log()[-4000:]}" for s in self.services
        )

    def stop_all(self) -> None:
        """SIGTERM every service and wait for them."""
        for service in self.services:
            if service.process.poll() is None:
                service.process.send_signal(signal.SIGTERM)
        for service in self.services:
            service.stop()


def reset_backends(env: Mapping[str, str]) -> None:
    """Drop the test database and flush the test Redis DB."""
    conn = pymysql.connect(host=env["DATABASE_HOST"], user="root", password="")
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{env['DATABASE_DATABASE']}`")
    conn.close()
    client = redis.Redis(
        host=env["REDIS_HOST"], port=int(env["REDIS_PORT"]), db=int(env["REDIS_DB"])
    )
    client.flushdb()
    client.close()


def service_env(**overrides: str) -> dict[str, str]:
    """The environment of the services: the test's own, minus any item-sync settings."""
    prefixes = setting_prefixes()
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(
        DATABASE_HOST="127.0.0.1",
        REDIS_HOST=REDIS_HOST,
        REDIS_PORT=str(REDIS_PORT),
        LOG_FORMAT="json",
        LOG_LEVEL="info",
        STREAM_BLOCK="500ms",
        METRICS_PORT="0",  # many workers share this host: a test that scrapes one picks a port
        # No request budget: tests that are not about it must not be slowed by it.
        POKEAPI_RATE_LIMIT="0",
        OPENWEATHER_RATE_LIMIT="0",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def pipeline_env(
    standin: StandinProcess, *, database: str, redis_db: int, api_token: str, **overrides: str
) -> dict[str, str]:
    """The services' environment on ``database`` and Redis DB ``redis_db``, reading PokeAPI
    from ``standin``, on a free API port, with no scheduler; ``overrides`` win."""
    env = service_env(
        DATABASE_DATABASE=database,
        REDIS_DB=str(redis_db),
        SERVER_PORT=str(free_port()),
        API_TOKEN=api_token,
        POKEAPI_BASE_URL=standin.pokeapi_url,
        WORKER_ENABLED="false",
    )
    env.update(overrides)
    return env


@contextmanager
def running_pipeline(
    env: dict[str, str], workdir: Path, python: str = sys.executable
) -> Iterator[Pipeline]:
    """A pipeline whose services (run by ``python``) are all stopped on exit."""
    pipeline = Pipeline(env=env, workdir=workdir, python=python)
    try:
        yield pipeline
    finally:
        pipeline.stop_all()


@contextmanager
def migrated_pipeline(
    env: dict[str, str], workdir: Path, python: str = sys.executable
) -> Iterator[Pipeline]:
    """A pipeline on an emptied, migrated database and Redis DB; its services stopped on exit."""
    reset_backends(env)
    with running_pipeline(env, workdir, python) as pipeline:
        pipeline.migrate()
        yield pipeline
