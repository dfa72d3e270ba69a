"""Declared sources: PokeAPI through the generic source at real size, beside the previous code.

The stand-in serves all 1,351 listed Pokémon at the recorded details' sizes, as the
``realsize`` section does; each run is a first sync with 2 fetchers and 1 writer on a fresh
pipeline, so each service's peak RSS is that sync's. With ``--previous PYTHON`` (the
interpreter of a checkout whose PokeAPI source is still Python code), the same sync runs
under that checkout, alternating with this one, on the same stand-in. The README's own
figures for that measurement are printed beside them, with the lines they come from.
Then the GitHub-shaped source (``bench.declared_github``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench.declared_github import run_github
from bench.monitor import pipeline_cpu_s, pipeline_peaks
from bench.pipeline import bench_pipeline, timed_sync
from bench.results import Results
from harness.standin.process import StandinProcess, run_standin

FETCHERS, WRITERS = 2, 1
README = Path(__file__).resolve().parents[1] / "README.md"
# The README lines holding the previous source's figures for this measurement.
QUOTED_PREFIXES = (
    "| writer RSS |",
    "| fetcher RSS |",
    "| api, scheduler RSS |",
    "| sync wall time |",
    "| first sync | 6.21 s",
)
# A loss is a median below this share of the previous code's that no run of ours reaches
# past the previous code's slowest run: two busy cores move single runs by more than 10 %.
LOSS_RATIO = 0.9
DECLARED, PREVIOUS = "declared", "previous Python source"


def run_declared(
    results: Results,
    workdir: Path,
    *,
    repeats: int,
    extra_env: dict[str, str],
    previous_python: str | None,
    github_issues: int,
) -> None:
    """PokeAPI at real size (this code, and the previous one if given); then GitHub."""
    kinds = [(DECLARED, sys.executable)]
    if previous_python:
        kinds.append((PREVIOUS, previous_python))
    print(f"declared sources: PokeAPI at real size, {FETCHERS}x{WRITERS} first sync", flush=True)
    with run_standin("--recorded-sizes") as standin:
        for run in range(repeats):
            # Alternate which code goes first, so a drift in the machine's load hits both.
            for kind, python in kinds if run % 2 == 0 else kinds[::-1]:
                _realsize_sync(results, standin, workdir / f"{kind}-{run}", kind, python, extra_env)
    _compare(results, bool(previous_python))
    run_github(
        results, workdir / "github", issues=github_issues, repeats=repeats, extra_env=extra_env
    )
    for line in quoted_lines():
        print(f"  today's figures, {line}", flush=True)


def _realsize_sync(
    results: Results,
    standin: StandinProcess,
    workdir: Path,
    kind: str,
    python: str,
    extra_env: dict[str, str],
) -> None:
    name = f"pokemon real size {kind}"
    with bench_pipeline(
        standin, workdir, fetchers=FETCHERS, writers=WRITERS, extra_env=extra_env, python=python
    ) as pipeline:
        standin.reset_stats()
        run = timed_sync(pipeline)
        stats = standin.stats()
        peaks = pipeline_peaks(pipeline)
        cpu = pipeline_cpu_s(pipeline)
    results.figure(f"{name} items/s", "items/s").add(run.items / run.wall_s)
    results.figure(f"{name} wall", "s").add(run.wall_s)
    results.figure(f"{name} requests", "n").add(stats["requests"])
    results.figure(f"{name} body MB", "MB").add(stats["body_bytes"] / 1e6)
    for service, peak in peaks.items():
        results.figure(f"{name} peak RSS {service}", "MB").add(peak)
    results.figure(f"{name} fetchers CPU", "s").add(_sum(cpu, "fetcher-"))
    results.figure(f"{name} writer CPU", "s").add(_sum(cpu, "writer-"))
    job = run.job
    if job["status"] != "succeeded" or int(job["items_failed"]) != 0:
        results.facts.setdefault("problems", []).append(
            f"{name}: job {job['id']} {job['status']}, {job['items_seen']} seen,"
            f" {job['items_failed']} failed"
        )
    rss = ", ".join(f"{service} {peak:.0f}" for service, peak in peaks.items())
    print(
        f"  {kind}: {run.items} items in {run.wall_s:.1f} s ({run.items / run.wall_s:.1f}"
        f" items/s), {stats['requests']} requests, {stats['body_bytes'] / 1e6:.0f} MB;"
        f" peak RSS MB {rss}; CPU s fetchers {_sum(cpu, 'fetcher-'):.1f},"
        f" writer {_sum(cpu, 'writer-'):.1f}",
        flush=True,
    )


def _sum(values: dict[str, float], prefix: str) -> float:
    return sum(value for service, value in values.items() if service.startswith(prefix))


def _compare(results: Results, measured_previous: bool) -> None:
    """Side by side, and whether throughput was lost beyond the noise."""
    ours = results.figures.get(f"pokemon real size {DECLARED} items/s")
    theirs = results.figures.get(f"pokemon real size {PREVIOUS} items/s")
    if ours is None:
        return
    if not measured_previous or theirs is None:
        results.facts["declared: throughput vs previous"] = (
            "previous code not measured in this run (--previous PYTHON); compare with the"
            " README's figures below"
        )
        return
    print("  side by side (median, min-max):", flush=True)
    for suffix in ("items/s", "wall", "fetchers CPU", "writer CPU", "requests", "body MB"):
        cells = [
            _cell(results, f"pokemon real size {kind} {suffix}") for kind in (DECLARED, PREVIOUS)
        ]
        print(f"    {suffix:<12} declared {cells[0]:<24} previous {cells[1]}", flush=True)
    services = sorted(
        name.rsplit(" ", 1)[-1]
        for name in results.figures
        if name.startswith(f"pokemon real size {DECLARED} peak RSS")
    )
    for service in services:
        cells = [
            _cell(results, f"pokemon real size {kind} peak RSS {service}")
            for kind in (DECLARED, PREVIOUS)
        ]
        print(f"    RSS {service:<10} declared {cells[0]:<20} previous {cells[1]}", flush=True)
    ratio = ours.median / theirs.median
    lost = ratio < LOSS_RATIO and ours.high < theirs.low
    verdict = (
        f"{'LOST' if lost else 'not lost (within noise)'}: declared {ours.median:.1f}"
        f" items/s vs previous {theirs.median:.1f} items/s, ratio {ratio:.2f}"
    )
    results.facts["declared: throughput vs previous"] = verdict
    print(f"  throughput {verdict}", flush=True)


def _cell(results: Results, name: str) -> str:
    figure = results.figures.get(name)
    if figure is None or not figure.samples:
        return "-"
    return f"{figure.median:.1f} ({figure.low:.1f}-{figure.high:.1f})"


def quoted_lines() -> list[str]:
    """``README.md:<line>: <text>`` of each line quoting the previous source's figures."""
    if not README.is_file():
        return []
    lines = README.read_text(encoding="utf-8").splitlines()
    return [
        f"README.md:{number}: {text}"
        for number, text in enumerate(lines, start=1)
        if text.startswith(QUOTED_PREFIXES)
    ]
