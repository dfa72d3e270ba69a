"""Running the stand-in as a real subprocess, for end-to-end tests and benchmarks."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_PREFIX = "STANDIN READY "
READY_TIMEOUT_S = 60.0  # a busy machine starts the stand-in slowly
STOP_TIMEOUT_S = 5.0
CONTROL_TIMEOUT_S = 10.0
# The stand-in is local: a proxy from the environment (http_proxy) must never be used.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class StandinError(RuntimeError):
    """The stand-in did not start, or a control call failed."""


@dataclass(frozen=True)
class StandinProcess:
    """A running stand-in process and sync helpers for its control API."""

    base_url: str
    process: subprocess.Popen[str]

    @property
    def pokeapi_url(self) -> str:
        """PokeAPI base, e.g. ``http://127.0.0.1:PORT/api/v2``."""
        return f"{self.base_url}/api/v2"

    @property
    def openweather_url(self) -> str:
        """OpenWeather base, e.g. ``http://127.0.0.1:PORT/data/2.5``."""
        return f"{self.base_url}/data/2.5"

    @property
    def github_url(self) -> str:
        """GitHub API base, e.g. ``http://127.0.0.1:PORT`` (issues under ``/repos/o/r/issues``)."""
        return self.base_url

    def control(self, method: str, path: str, body: object = None) -> Any:
        """Call ``/_standin/<path>`` and return the decoded JSON answer."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310  # base_url is our own http:// server
            f"{self.base_url}/_standin/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with _OPENER.open(request, timeout=CONTROL_TIMEOUT_S) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            with exc:  # closes its socket now, not whenever it is collected
                detail = exc.read().decode(errors="replace")
            raise StandinError(f"{method} /_standin/{path} -> {exc.code}: {detail}") from exc

    def stats(self) -> dict[str, Any]:
        """Return the upstream request counters (``GET /_standin/stats``)."""
        result: dict[str, Any] = self.control("GET", "stats")
        return result

    def reset_stats(self) -> None:
        """Zero the upstream request counters."""
        self.control("POST", "stats/reset")

    def set_faults(self, **fields: object) -> dict[str, Any]:
        """Change some fault settings, e.g. ``set_faults(error_rate=0.5)``; return them all."""
        result: dict[str, Any] = self.control("PUT", "faults", fields)
        return result

    def put_pokemon(self, item_id: int, body: dict[str, Any]) -> None:
        """Override (or add) the detail of ``item_id`` upstream."""
        self.control("PUT", f"pokemon/{item_id}", body)

    def delete_pokemon(self, item_id: int) -> bool:
        """Delete ``item_id`` upstream; return whether it was listed."""
        return bool(self.control("DELETE", f"pokemon/{item_id}")["deleted"])

    def restore_pokemon(self, item_id: int) -> None:
        """Bring ``item_id`` back upstream as it was at start-up."""
        self.control("POST", f"pokemon/{item_id}/restore")

    def reset(self) -> None:
        """Return to the initial catalogue and the start-up fault settings."""
        self.control("POST", "reset")

    def touch_github_issue(self, number: int, state: str | None = None) -> dict[str, Any]:
        """Edit GitHub issue ``number`` now (``state``: close or reopen it); return its summary."""
        body = {} if state is None else {"state": state}
        result: dict[str, Any] = self.control("POST", f"github/issues/{number}/touch", body)
        return result

    def add_github_issue(self) -> int:
        """Open a new GitHub issue; return its number."""
        return int(self.control("POST", "github/issues", {})["number"])

    def reset_github(self) -> None:
        """Return the GitHub API to its generated issues."""
        self.control("POST", "github/reset")

    def mutate(self, fraction: float, seed: int = 0) -> list[int]:
        """Change ``fraction`` of the synthetic items; return the changed ids."""
        answer = self.control("POST", "synthetic/mutate", {"fraction": fraction, "seed": seed})
        ids: list[int] = answer["ids"]
        return ids


def _pump_lines(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    # Keeps draining stdout after READY so the child can never block on a full pipe.
    for line in stream:
        lines.put(line)
    lines.put(None)


def _wait_ready(process: subprocess.Popen[str], lines: queue.Queue[str | None]) -> str:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=remaining)
        except queue.Empty:
            break
        if line is None:
            raise StandinError(f"stand-in exited with code {process.wait()} before READY")
        if line.startswith(READY_PREFIX):
            return line[len(READY_PREFIX) :].strip()
    raise StandinError(f"no READY line from the stand-in within {READY_TIMEOUT_S:.0f} s")


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def run_standin(*args: str) -> Iterator[StandinProcess]:
    """Start ``python -m harness.standin --port 0 *args`` and stop it on exit.

    Waits up to 20 s for the READY line. Raises StandinError, with the child's stderr, if the
    server does not come up.
    """
    command = [sys.executable, "-m", "harness.standin", "--port", "0", *args]
    with tempfile.TemporaryFile(mode="w+") as stderr:
        # A fixed interpreter and module with our own arguments: nothing comes from a shell.
        process = subprocess.Popen(  # noqa: S603
            command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=stderr, text=True
        )
        stdout = process.stdout
        assert stdout is not None  # set by stdout=PIPE
        lines: queue.Queue[str | None] = queue.Queue()
        pump = threading.Thread(target=_pump_lines, args=(stdout, lines), daemon=True)
        pump.start()
        try:
            try:
                base_url = _wait_ready(process, lines)
            except StandinError as exc:
                _stop(process)
                stderr.seek(0)
                raise StandinError(f"{exc}\n--- stand-in stderr ---\n{stderr.read()}") from exc
            yield StandinProcess(base_url=base_url, process=process)
        finally:
            _stop(process)
            # The pump ends at EOF once the child is gone; close only then, never under it.
            pump.join(timeout=STOP_TIMEOUT_S)
            if not pump.is_alive():
                stdout.close()
