"""Unchanged re-syncs: conditional requests (a sweep of 304s) and the change signal.

For each catalogue: a first sync, a conditional sweep of the unchanged catalogue (the
data hash is moved without changing an item, so the signal cannot end the job), and a
re-sync with the signal unchanged. The stand-in counts requests, 304s and body bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bench.pipeline import bench_pipeline, timed_sync
from bench.results import Results
from tests.standin.process import StandinProcess, run_standin

SYNTHETIC_ITEMS = 10_000


def run_conditional(results: Results, workdir: Path, *, extra_env: dict[str, str]) -> None:
    """Both catalogues: 10k synthetic items, and the real-size recorded catalogue."""
    with run_standin("--synthetic", str(SYNTHETIC_ITEMS)) as standin:
        _scenario(results, standin, workdir / "synthetic", "10k", extra_env, bump=standin.mutate)
    with run_standin("--recorded-sizes") as standin:
        # Restoring an item changes no data but moves the hash, as a redeploy would.
        _scenario(
            results, standin, workdir / "realsize", "real size", extra_env,
            bump=lambda fraction: standin.restore_pokemon(1),
        )  # fmt: skip


def _scenario(
    results: Results,
    standin: StandinProcess,
    workdir: Path,
    name: str,
    extra_env: dict[str, str],
    bump: Callable[[float], object],
) -> None:
    env = {  # the request budget lifted; both on, as by default
        "POKEAPI_RATE_LIMIT": "0",
        "POKEAPI_CONDITIONAL_REQUESTS": "true",
        "POKEAPI_CHANGE_SIGNAL": "true",
        **extra_env,
    }
    with bench_pipeline(standin, workdir, fetchers=2, writers=2, extra_env=env) as pipeline:
        runs: dict[str, tuple[float, int, int]] = {}
        for kind in ("first sync", "conditional re-sync", "signal re-sync"):
            if kind == "conditional re-sync":
                bump(0.0)
            standin.reset_stats()
            run = timed_sync(pipeline)
            stats = standin.stats()
            runs[kind] = (run.wall_s, stats["requests"], stats["body_bytes"])
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
        first_s, _, first_bytes = runs["first sync"]
        again_s, _, again_bytes = runs["conditional re-sync"]
        print(
            f"  {name}: conditional re-sync takes {again_s / first_s:.1%} of the first sync's"
            f" time and {again_bytes / max(first_bytes, 1):.2%} of its body bytes",
            flush=True,
        )
