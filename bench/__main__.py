"""``python -m bench [--quick] [--only SECTIONS] [--env KEY=VALUE] [--json PATH]``.

Prints one table (median, min and max of each figure), the derived ratios and a line per
target, and writes everything to a JSON file. Figures only: nothing here fails on timing.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import ceiling, report, streams
from bench.api_bench import run_api
from bench.conditional import run_conditional
from bench.declared import run_declared
from bench.memory import run_memory
from bench.peer_dlt import run_peer
from bench.plan import FULL, QUICK, Plan
from bench.reads_bench import run_reads
from bench.realsize_peer import run_realsize_peer
from bench.results import Results
from bench.targets import ratios, verdicts
from bench.throughput import label, run_latency, run_topology
from bench.writer_stage import run_writer_stage
from harness.standin.process import run_standin

SECTIONS = (
    "throughput", "limits", "peer", "writer", "latency", "api", "memory", "realsize",
    "conditional", "declared", "realsize-peer",
)  # fmt: skip
# Not in a run without --only: declared repeats the realsize sync under two checkouts, and
# realsize-peer's dlt load alone takes a minute or more.
DEFAULT_SECTIONS = tuple(s for s in SECTIONS if s not in ("declared", "realsize-peer"))
DEFAULT_JSON = Path("bench/results")


def _limits(results: Results, plan: Plan) -> None:
    size = plan.base_items
    print(f"  limits at {label(size)}: ceiling (a), raw upsert (b), streams (c)", flush=True)
    ceiling.prepare_database()
    with run_standin("--synthetic", str(size)) as standin:
        for _ in range(plan.repeats_for(size)):
            seconds, rows = asyncio.run(ceiling.ceiling_sync(standin.pokeapi_url))
            results.figure(f"ceiling (a) {label(size)} items/s", "items/s").add(len(rows) / seconds)
            raw_s = asyncio.run(ceiling.raw_upsert(rows))
            results.figure(f"raw upsert (b) {label(size)} rows/s", "rows/s").add(len(rows) / raw_s)
    for _ in range(3):
        seconds = asyncio.run(streams.stream_round_trip(plan.stream_messages))
        results.figure("redis XADD+XREADGROUP+XACK (c) msg/s", "msg/s").add(
            plan.stream_messages / seconds
        )


def _topologies(
    results: Results,
    workdir: Path,
    plan: Plan,
    size: int,
    topologies: tuple[tuple[int, int], ...],
    extra_env: dict[str, str],
    *,
    watch_memory: bool,
) -> None:
    """The pipeline at ``size`` in each (fetchers, writers) topology, the plan's repeats."""
    for fetchers, writers in topologies:
        run_topology(
            results, workdir, size=size, fetchers=fetchers, writers=writers,
            repeats=plan.repeats_for(size), extra_env=extra_env, watch_memory=watch_memory,
        )  # fmt: skip


def _memory(
    results: Results, plan: Plan, sections: set[str], extra_env: dict[str, str], workdir: Path
) -> None:
    if "memory" in sections:
        big = plan.memory_items
        print(f"pipeline throughput and memory at {label(big)}", flush=True)
        _topologies(results, workdir, plan, big, plan.big_topologies, extra_env, watch_memory=True)
    if "realsize" in sections:
        print("peak memory at real size (1,351 recorded-size details)", flush=True)
        run_memory(results, workdir, extra_env=extra_env)


def run(
    plan: Plan,
    sections: set[str],
    extra_env: dict[str, str],
    workdir: Path,
    previous_python: str | None = None,
) -> Results:
    """Run the chosen sections of ``plan``; the results."""
    results = Results()
    base = plan.base_items
    if "throughput" in sections:
        print("pipeline throughput", flush=True)
        _topologies(results, workdir, plan, base, plan.topologies, extra_env, watch_memory=False)
    if "limits" in sections:
        _limits(results, plan)
    if "peer" in sections:
        print("peer: dlt rest_api -> sqlalchemy (mysql+pymysql)", flush=True)
        with run_standin("--synthetic", str(plan.peer_items)) as standin:
            run_peer(
                results, standin.pokeapi_url, size=plan.peer_items, repeats=plan.peer_repeats,
                label=label(plan.peer_items),
            )  # fmt: skip
    if "writer" in sections:
        run_writer_stage(
            results, workdir, size=base, repeats=plan.repeats_for(base), extra_env=extra_env
        )
    if "latency" in sections:
        run_latency(
            results, workdir, size=plan.latency_items, latency_ms=plan.latency_ms,
            repeats=plan.repeats_for(base), extra_env=extra_env,
        )  # fmt: skip
    if "api" in sections:
        run_api(
            results, workdir, size=base, seconds=plan.api_seconds, repeats=plan.api_repeats,
            extra_env=extra_env,
        )  # fmt: skip
        run_reads(
            results, workdir, size=plan.reads_items, seconds=plan.api_seconds,
            repeats=plan.api_repeats, extra_env=extra_env,
        )  # fmt: skip
    _memory(results, plan, sections, extra_env, workdir)
    if "conditional" in sections:
        print("unchanged re-syncs: conditional requests and the change signal", flush=True)
        run_conditional(results, workdir, extra_env=extra_env)
    if "realsize-peer" in sections:
        run_realsize_peer(results, workdir, extra_env=extra_env)
    if "declared" in sections:
        run_declared(
            results, workdir / "declared", repeats=plan.declared_repeats, extra_env=extra_env,
            previous_python=previous_python, github_issues=plan.github_issues,
        )  # fmt: skip
    return results


def _env_pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError("expected KEY=VALUE")
    return key, value


def main() -> None:
    """Parse the command line, run, print and write the results."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, about 3 minutes")
    parser.add_argument(
        "--only", default=",".join(DEFAULT_SECTIONS), help=f"comma list of {', '.join(SECTIONS)}"
    )
    parser.add_argument(
        "--previous",
        metavar="PYTHON",
        help="declared: also run the realsize sync under this interpreter's checkout",
    )
    parser.add_argument(
        "--env", type=_env_pair, action="append", default=[], metavar="KEY=VALUE",
        help="a setting passed to every service process (repeatable)",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, help="results file (default bench/results/...)")
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    sections = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = sections - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="item-sync-bench-") as tmp:
        results = run(plan, sections, dict(args.env), Path(tmp), args.previous)
    elapsed = time.monotonic() - started
    print()
    print(f"item-sync bench, plan {plan.name}, {elapsed:.0f} s")
    print(report.table(results))
    print()
    derived = ratios(results, plan)
    for name, value in derived.items():
        if not math.isnan(value):
            print(f"{name}: {value:.2f}")
    print()
    judged = verdicts(results, plan)
    for verdict in judged:
        print(verdict.line())
    if results.facts:
        print()
        print(report.facts(results))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = args.json or DEFAULT_JSON / f"bench-{plan.name}-{stamp}.json"
    report.write_json(
        results,
        path,
        {
            "plan": plan.name,
            "elapsed_s": elapsed,
            "env": dict(args.env),
            "previous": args.previous,
            "ratios": derived,
            "targets": [v.to_json() for v in judged],
        },
    )
    print(f"\nresults written to {path}")


if __name__ == "__main__":
    main()
