"""The GitHub-shaped source, declared by one YAML file: a first sync, then an incremental one.

The stand-in serves N generated issues (2-8 KB, a few up to 50 KB) behind a bearer token.
The definition, written into a temp ``SOURCES_DIR``, reads the token from ``${GITHUB_TOKEN}``,
walks ``Link: rel="next"`` 100 issues a page, and keeps ``updated_at`` as its cursor. Each
run is a fresh pipeline: a first sync of every issue; then a few issues are touched and a
second sync sends ``since`` and fetches only what changed.
"""

from __future__ import annotations

from pathlib import Path

from bench.monitor import pipeline_peaks
from bench.pipeline import SyncRun, bench_pipeline, timed_sync
from bench.results import Results
from harness.processes import Pipeline
from harness.standin.github_source import github_definition
from harness.standin.process import StandinProcess, run_standin

TOKEN = "bench-github-token-5f2a"  # noqa: S105  # the stand-in's throwaway token
PER_PAGE = 100  # issues a page the definition asks for
TOUCHED = (3, 1_000, 4_321, 7_777, 9_999)  # issue numbers edited before the second sync
FETCHERS, WRITERS = 2, 1
DEFINITION = github_definition(per_page=PER_PAGE, max_pages=1000)


def run_github(
    results: Results, workdir: Path, *, issues: int, repeats: int, extra_env: dict[str, str]
) -> None:
    """``repeats`` first and incremental syncs of ``issues`` GitHub-shaped issues."""
    sources = workdir / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    (sources / "github.yaml").write_text(DEFINITION, encoding="utf-8")
    touched = [number for number in TOUCHED if number <= issues]
    print(
        f"declared sources: GitHub-shaped, {issues:,} issues, per_page={PER_PAGE},"
        f" {FETCHERS}x{WRITERS}; then {len(touched)} touched",
        flush=True,
    )
    with run_standin("--github-token", TOKEN, "--github-issues", str(issues)) as standin:
        env = {
            "SOURCES_DIR": str(sources),
            "GITHUB_BASE_URL": standin.github_url,
            "GITHUB_TOKEN": TOKEN,
            "API_API_TYPE": "pokemon,github",
            **extra_env,
        }
        for run in range(repeats):
            standin.reset_github()
            with bench_pipeline(
                standin, workdir / f"run-{run}", fetchers=FETCHERS, writers=WRITERS, extra_env=env
            ) as pipeline:
                _sync(results, standin, pipeline, "github first sync", expected=issues)
                for number in touched:
                    standin.touch_github_issue(number)
                second = _sync(results, standin, pipeline, "github incremental sync", expected=None)
                peaks = pipeline_peaks(pipeline)
            for service, peak in peaks.items():
                results.figure(f"github peak RSS {service}", "MB").add(peak)
            if int(second.job["items_updated"]) != len(touched):
                results.facts.setdefault("problems", []).append(
                    f"github incremental sync: {second.job['items_updated']} updated,"
                    f" {len(touched)} touched"
                )


def _sync(
    results: Results,
    standin: StandinProcess,
    pipeline: Pipeline,
    name: str,
    *,
    expected: int | None,
) -> SyncRun:
    """One sync of the github source, with the requests the stand-in counted for it."""
    standin.reset_stats()
    run = timed_sync(pipeline, api_source="github", operation="list")
    stats = standin.stats()
    requests = int(stats.get("github_requests", 0))
    since = int(stats.get("github_since_requests", 0))
    job = run.job
    results.figure(f"{name} wall", "s").add(run.wall_s)
    results.figure(f"{name} items/s", "items/s").add(run.items / run.wall_s)
    results.figure(f"{name} requests", "n").add(requests)
    results.figure(f"{name} records fetched", "n").add(run.items)
    results.figure(f"{name} body MB", "MB").add(stats["body_bytes"] / 1e6)
    if job["status"] != "succeeded" or (expected is not None and run.items != expected):
        results.facts.setdefault("problems", []).append(
            f"{name}: job {job['id']} {job['status']}, {run.items} records"
            f" of {expected if expected is not None else '?'}"
        )
    print(
        f"  {name}: {run.items:,} records in {run.wall_s:.2f} s"
        f" ({run.items / run.wall_s:,.0f} records/s), {requests} requests ({since} with since),"
        f" {stats['body_bytes'] / 1e6:.1f} MB; created {job['items_created']},"
        f" updated {job['items_updated']}, deleted {job['items_deleted']}",
        flush=True,
    )
    return run
