"""Where the time goes: py-spy samples the fetcher and the writer through one first sync.

``python -m bench.profile [--items N | --realsize] [--resync [--sweep]] [--idle]`` runs a
1 x 1 pipeline, records both services with ``py-spy record --format raw`` during a first
sync of N synthetic items (or of the real-size catalogue, ``--recorded-sizes``; with
``--resync`` an unchanged re-sync, and with ``--sweep`` a conditional sweep), and prints
the top functions by own time (the frame on top of the stack) and by total time (anywhere
on it). ``--idle`` keeps the samples of a service waiting (on MySQL, say), so shares are of
wall time, not CPU. The raw stack files are kept in ``bench/results/``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.pipeline import bench_pipeline, timed_sync
from harness.standin.process import run_standin

OUT_DIR = Path("bench/results")
TOP = 15
_FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^:]+)(?::\d+)?\)$")


def _frame_name(frame: str) -> str:
    match = _FRAME.match(frame)
    if match is None:
        return frame
    path = match["file"]
    for marker in ("site-packages/", "/wt-bench/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{match['func']} ({path})"


def summarise(raw: str) -> tuple[Counter[str], Counter[str], int]:
    """(own samples, total samples, all samples) per function from py-spy's raw output."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame_name(f) for f in stack.split(";") if not f.startswith("process ")]
        frames = [f for f in frames if not f.startswith("thread ")]
        if not frames:
            continue
        samples += count
        own[frames[-1]] += count
        for name in set(frames):
            total[name] += count
    return own, total, samples


def _print_top(role: str, raw: str) -> None:
    own, total, samples = summarise(raw)
    print(f"\n== {role}: {samples} samples")
    print("top by own time:")
    for name, count in own.most_common(TOP):
        print(f"  {count / samples:6.1%}  {name}")
    print("top of our own functions by total time (below the service's entry point):")
    ours = [
        (name, count)
        for name, count in total.most_common()
        if ("shared/" in name or "services/" in name) and count < samples
    ]
    for name, count in ours[:TOP]:
        print(f"  {count / samples:6.1%}  {name}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument(
        "--resync", action="store_true", help="record an unchanged re-sync instead of the first"
    )
    parser.add_argument(
        "--sweep",
        action="store_true",
        help="with --resync: distrust the unchanged signal, so the re-sync is a conditional sweep",
    )
    parser.add_argument(
        "--realsize", action="store_true", help="the 1,351 recorded-size details, not --items"
    )
    parser.add_argument("--idle", action="store_true", help="keep samples of waiting threads")
    args = parser.parse_args()
    if args.sweep and not args.resync:
        parser.error("--sweep records a re-sync: give --resync too")
    return args


def main() -> None:
    """Record the fetcher and the writer through one sync and print the summaries."""
    args = _arguments()
    catalogue = ("--recorded-sizes",) if args.realsize else ("--synthetic", str(args.items))
    env = {"POKEAPI_RATE_LIMIT": "0"} if args.realsize else {}  # as the realsize sections
    if args.sweep:
        env["SOURCE_FULL_SWEEP_INTERVAL"] = "1ms"  # as the conditional section's re-sync
        env["POKEAPI_RATE_LIMIT"] = "0"  # the budget lifted, as there
        env["POKEAPI_CONDITIONAL_REQUESTS"] = "true"
    # The bench extra installs py-spy beside this interpreter, which may not be on PATH.
    py_spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if py_spy is None:
        raise SystemExit("py-spy is not installed: pip install -e '.[bench]'")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="item-sync-profile-") as tmp,
        run_standin(*catalogue) as standin,
        bench_pipeline(standin, Path(tmp), fetchers=1, writers=1, extra_env=env) as pipeline,
    ):
        if args.resync:
            timed_sync(pipeline)  # the first sync, not recorded
        recorders: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}
        for service in pipeline.services:
            if service.role in ("fetcher", "writer"):
                out = OUT_DIR / f"profile-{service.role}.txt"
                command = [py_spy, "record", "--format", "raw", "--rate", "200", "--output",
                           str(out), "--pid", str(service.process.pid),
                           *(["--idle"] if args.idle else [])]  # fmt: skip
                recorders[service.role] = (
                    # py-spy from PATH with our own arguments.
                    subprocess.Popen(command, stdout=subprocess.DEVNULL),  # noqa: S603
                    out,
                )
        standin.reset_stats()
        run = timed_sync(pipeline)
        stats = standin.stats()
        print(f"upstream: {stats['requests']} requests, {stats['not_modified']} answered 304")
        which = "first sync"
        if args.resync:
            which = "conditional sweep" if args.sweep else "unchanged re-sync"
        print(f"{which} of {run.items} items in {run.wall_s:.2f} s", flush=True)
        for recorder, _ in recorders.values():
            recorder.send_signal(signal.SIGINT)
        for recorder, _ in recorders.values():
            recorder.wait(timeout=30)
    for role, (_, out) in recorders.items():
        _print_top(role, out.read_text())


if __name__ == "__main__":
    main()
