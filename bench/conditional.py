"""Unchanged re-syncs: a conditional sweep (every answer a 304) and the change signal.

For each catalogue, three syncs of unchanged data: the first sync; a re-sync whose
fetchers distrust the unchanged signal (``SOURCE_FULL_SWEEP_INTERVAL=1ms``), so it
sweeps with validators, as the periodic sweep does; and a re-sync the unchanged signal
ends. Fetchers are restarted between them with those settings; the stand-in counts
requests, 304s and body bytes.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp

from bench.cpu_shares import describe, read_cpu
from bench.pipeline import bench_pipeline, timed_sync
from bench.results import Results
from harness.processes import Pipeline, ServiceProcess
from harness.standin.process import StandinProcess, run_standin

SYNTHETIC_ITEMS = 10_000
FETCHERS = 2
STEPS: tuple[tuple[str, dict[str, str]], ...] = (
    ("first sync", {}),
    ("conditional re-sync", {"SOURCE_FULL_SWEEP_INTERVAL": "1ms"}),
    ("signal re-sync", {}),
)
START_TIMEOUT_S = 60.0


def run_conditional(results: Results, workdir: Path, *, extra_env: dict[str, str]) -> None:
    """Three catalogues: 10k synthetic items (about 2 KB each), 10k items of real size (the
    recorded details of 100 KB and more, cycled), and the real-size recorded catalogue."""
    with run_standin("--synthetic", str(SYNTHETIC_ITEMS)) as standin:
        _scenario(results, standin, workdir / "synthetic", "10k", extra_env)
    with run_standin("--recorded", str(SYNTHETIC_ITEMS)) as standin:
        _scenario(results, standin, workdir / "recorded", "10k real size", extra_env)
    with run_standin("--recorded-sizes") as standin:
        _scenario(results, standin, workdir / "realsize", "real size", extra_env)


def _scenario(
    results: Results, standin: StandinProcess, workdir: Path, name: str, extra_env: dict[str, str]
) -> None:
    env = {  # the request budget lifted; validators and the signal on, as by default
        "POKEAPI_RATE_LIMIT": "0",
        "POKEAPI_CONDITIONAL_REQUESTS": "true",
        "POKEAPI_CHANGE_SIGNAL": "true",
        **extra_env,
    }
    with bench_pipeline(standin, workdir, fetchers=0, writers=2, extra_env=env) as pipeline:
        runs: dict[str, tuple[float, int]] = {}
        for kind, fetcher_env in STEPS:
            fetchers = [_started(pipeline, fetcher_env) for _ in range(FETCHERS)]
            standin.reset_stats()
            cpu_before = read_cpu(pipeline, standin.process.pid)
            run = timed_sync(pipeline)
            spent = read_cpu(pipeline, standin.process.pid).since(cpu_before)
            stats = standin.stats()
            for fetcher in fetchers:
                fetcher.stop()
            runs[kind] = (run.wall_s, stats["body_bytes"])
            results.figure(f"{name} {kind} s", "s").add(run.wall_s)
            results.figure(f"{name} {kind} requests", "n").add(stats["requests"])
            results.figure(f"{name} {kind} 304s", "n").add(stats["not_modified"])
            results.figure(f"{name} {kind} body MB", "MB").add(stats["body_bytes"] / 1e6)
            print(
                f"  {name} {kind}: {run.wall_s:.2f} s, {stats['requests']} requests,"
                f" {stats['not_modified']} 304s, {stats['body_bytes'] / 1e6:.3f} MB,"
                f" job {run.job['status']} unchanged={run.job['items_unchanged']}",
                flush=True,
            )
            print(f"    CPU s: {describe(spent, run.wall_s)}", flush=True)
            for role, seconds in spent.items():
                results.figure(f"{name} {kind} CPU s {role}", "s").add(seconds)
        first_s, first_bytes = runs["first sync"]
        again_s, again_bytes = runs["conditional re-sync"]
        print(
            f"  {name}: conditional re-sync takes {again_s / first_s:.1%} of the first sync's"
            f" time and {again_bytes / max(first_bytes, 1):.3%} of its body bytes",
            flush=True,
        )
        bare_s, answers = asyncio.run(bare_conditional_gets(standin.base_url))
        results.figure(f"{name} bare client conditional GETs s", "s").add(bare_s)
        print(
            f"  {name}: the machine's floor, one bare aiohttp client sending the same"
            f" {answers:,} detail requests with their ETags ({BARE_IN_FLIGHT} in flight, no"
            f" Redis, no MySQL): {bare_s:.2f} s, {bare_s / first_s:.1%} of the first sync",
            flush=True,
        )


BARE_IN_FLIGHT = 64


async def bare_conditional_gets(base_url: str) -> tuple[float, int]:
    """Seconds for one aiohttp client to re-ask every detail with its ETag (all 304s).

    The ETags are learnt by one unconditional pass first, not timed.
    """
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base_url}/api/v2/pokemon/", params={"limit": "100000"}) as r:
            urls = [record["url"] for record in (await r.json())["results"]]
        etags: dict[str, str] = {}
        gate = asyncio.Semaphore(BARE_IN_FLIGHT)

        async def get(url: str) -> int:
            headers = {"If-None-Match": etags[url]} if url in etags else None
            async with gate, session.get(url, headers=headers) as response:
                await response.read()
                if "ETag" in response.headers:
                    etags.setdefault(url, response.headers["ETag"])
                return response.status

        await asyncio.gather(*(get(url) for url in urls))
        started = time.perf_counter()
        statuses = await asyncio.gather(*(get(url) for url in urls))
        elapsed = time.perf_counter() - started
    if set(statuses) != {304}:
        raise RuntimeError(f"the stand-in answered {sorted(set(statuses))}, not only 304")
    return elapsed, len(urls)


def _started(pipeline: Pipeline, env: dict[str, str]) -> ServiceProcess:
    """A fetcher that has started, so the timed sync does not include its start-up."""
    fetcher = pipeline.start("fetcher", **env)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if '"service.started"' in fetcher.log():
            return fetcher
        time.sleep(0.05)
    raise RuntimeError(f"a fetcher did not start:\n{fetcher.log()}")
