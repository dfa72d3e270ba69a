"""HTTP load at a fixed number of connections: wrk when installed, else an aiohttp client.

Each run reports requests/s and the p50 / p99 latency in milliseconds.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

CONNECTIONS = 64
_WRK_SCRIPT = """
math.randomseed(os.time())
local ids = {{ids}}
request = function()
  return wrk.format("GET", "{prefix}" .. ids[math.random(#ids)])
end
"""
# Each id at most once while the list lasts: thread k of 2 takes ids k+1, k+3, k+5, ...
_WRK_ONCE_SCRIPT = """
local ids = {{ids}}
local threads = 0
function setup(thread)
  thread:set("first", threads)
  threads = threads + 1
end
local sent = 0
request = function()
  local i = (first + sent * 2) % #ids + 1
  sent = sent + 1
  return wrk.format("GET", "{prefix}" .. ids[i])
end
"""
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True)
class LoadResult:
    """One load run."""

    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int


def _latency_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if match is None:
        raise ValueError(f"unreadable wrk latency {text!r}")
    return float(match[1]) * _UNITS_MS[match[2]]


def parse_wrk(output: str) -> LoadResult:
    """Requests/s, 50 % and 99 % latency and error count from ``wrk --latency`` output."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    if rate is None or p50 is None or p99 is None:
        raise ValueError(f"unreadable wrk output:\n{output}")
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors += int(non_2xx[1]) if non_2xx else 0
    return LoadResult(float(rate[1]), _latency_ms(p50[1]), _latency_ms(p99[1]), errors)


def _wrk(url: str, seconds: float, ids: list[int] | None, once: bool) -> LoadResult:
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{max(int(seconds), 1)}s", "--latency"]
        if ids is not None:
            script = Path(tmp) / "random_ids.lua"
            prefix = url.split("//", 1)[1].split("/", 1)[1]
            script.write_text(
                (_WRK_ONCE_SCRIPT if once else _WRK_SCRIPT)
                .replace("{prefix}", f"/{prefix}")
                .replace("{ids}", ",".join(map(str, ids)))
            )
            command += ["-s", str(script)]
        done = subprocess.run(  # noqa: S603  # wrk found on PATH, our own arguments
            [*command, url], capture_output=True, text=True, check=True
        )
    return parse_wrk(done.stdout)


async def _python_load(url: str, seconds: float, ids: list[int] | None, once: bool) -> LoadResult:
    latencies: list[float] = []
    errors = 0
    in_order = itertools.cycle(ids or [0])
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                chosen = next(in_order) if once else random.choice(ids or [0])
                target = url if ids is None else f"{url}{chosen}"
                started = time.perf_counter()
                async with session.get(target) as answer:
                    await answer.read()
                    errors += answer.status >= 400
                latencies.append((time.perf_counter() - started) * 1000)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return LoadResult(
        len(latencies) / elapsed,
        latencies[len(latencies) // 2],
        latencies[min(int(len(latencies) * 0.99), len(latencies) - 1)],
        errors,
    )


def load(
    url: str, seconds: float, *, ids: list[int] | None = None, once: bool = False
) -> LoadResult:
    """Load ``url`` (``url`` + a random one of ``ids`` when given) for ``seconds``.

    With ``once``, ``ids`` are taken in order, each at most once while the list lasts.
    """
    if shutil.which("wrk"):
        return _wrk(url, seconds, ids, once)
    return asyncio.run(_python_load(url, seconds, ids, once))


def load_tool() -> str:
    """The load generator in use."""
    return "wrk" if shutil.which("wrk") else "python-aiohttp"
