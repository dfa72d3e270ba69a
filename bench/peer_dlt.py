"""The peer: the same load through dlt's ``rest_api`` source into the same MariaDB.

A list resource pages ``/pokemon`` and a child resource resolves each entry's detail;
the detail is merged on ``id`` (write disposition ``merge``) through dlt's ``sqlalchemy``
destination with ``mysql+pymysql://``, nested data kept as JSON columns
(``max_table_nesting=0``). Each load runs in a child process (``python -m bench.peer_dlt``)
with telemetry off and its pipelines dir in a temp dir, so dlt's configuration and
imports stay out of the bench process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.backends import MYSQL_HOST, database, mysql_connect
from bench.results import Results

PEER_DB = database("dlt")
STAGING_DB = f"{PEER_DB}_staging"
PAGE_SIZE = 20
REPO_ROOT = Path(__file__).resolve().parents[1]


def _source(base_url: str, parallelized: bool) -> Any:
    from dlt.sources.rest_api import rest_api_source

    config: Any = {
        "client": {"base_url": f"{base_url}/"},
        "resources": [
            {
                "name": "pokemon_list",
                "selected": False,
                "endpoint": {
                    "path": "pokemon",
                    "data_selector": "results",
                    "paginator": {"type": "offset", "limit": PAGE_SIZE, "total_path": "count"},
                },
            },
            {
                "name": "pokemon",
                "primary_key": "id",
                "write_disposition": "merge",
                "endpoint": {
                    "path": "pokemon/{name}/",
                    "params": {
                        "name": {"type": "resolve", "resource": "pokemon_list", "field": "name"}
                    },
                },
            },
        ],
    }
    return rest_api_source(config, max_table_nesting=0, parallelized=parallelized)


def _loads(base_url: str, parallelized: bool, pipelines_dir: str, loads: int) -> dict[str, float]:
    import dlt

    destination = dlt.destinations.sqlalchemy(
        credentials=f"mysql+pymysql://root:@{MYSQL_HOST}:3306/{PEER_DB}"
    )
    pipeline = dlt.pipeline(
        pipeline_name="bench_peer",
        pipelines_dir=pipelines_dir,
        destination=destination,
        dataset_name=PEER_DB,
    )
    timings: dict[str, float] = {}
    for load in ("first", "second")[:loads]:
        started = time.perf_counter()
        pipeline.run(_source(base_url, parallelized))
        timings[f"{load}_s"] = time.perf_counter() - started
    # Linux reports ru_maxrss in KiB; dlt's own worker processes, if any, are children.
    peak_kib = max(
        resource.getrusage(who).ru_maxrss
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    timings["peak_rss_mb"] = peak_kib / 1024
    return timings


def _reset_databases() -> None:
    conn = mysql_connect()
    with conn.cursor() as cur:
        for db in (PEER_DB, STAGING_DB):
            cur.execute(f"DROP DATABASE IF EXISTS `{db}`")
        cur.execute(f"CREATE DATABASE `{PEER_DB}` CHARACTER SET utf8mb4")
    conn.close()


def _rows() -> int:
    conn = mysql_connect(PEER_DB)
    with conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM pokemon")
        row = cur.fetchone()
    conn.close()
    return int(row[0]) if row else 0


def peer_loads(base_url: str, parallelized: bool, *, loads: int = 2) -> dict[str, float]:
    """A first and (``loads`` 2) an identical second load in a child process: seconds each,
    the child's peak RSS in MB and the rows loaded."""
    _reset_databases()
    with tempfile.TemporaryDirectory(prefix="bench-dlt-") as tmp:
        env = {
            **os.environ,
            "RUNTIME__DLTHUB_TELEMETRY": "false",
            "RUNTIME__LOG_LEVEL": "WARNING",
            "DLT_DATA_DIR": tmp,
            "DLT_PROJECT_DIR": tmp,
        }
        command = [sys.executable, "-m", "bench.peer_dlt", base_url, tmp, "--loads", str(loads)]
        if parallelized:
            command.append("--parallelized")
        # Our own interpreter and module with our own arguments.
        done = subprocess.run(  # noqa: S603
            command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False
        )
    if done.returncode != 0:
        raise RuntimeError(f"dlt load failed:\n{done.stderr[-3000:]}")
    timings: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    timings["rows"] = _rows()
    return timings


def run_peer(results: Results, base_url: str, *, size: int, repeats: int, label: str) -> None:
    """Pick the faster of parallelized or not on one load, then time ``repeats`` loads."""
    probe = {flag: peer_loads(base_url, flag) for flag in (False, True)}
    parallelized = probe[True]["first_s"] < probe[False]["first_s"]
    results.facts["dlt parallelized"] = parallelized
    results.facts["dlt probe first load s"] = {
        str(flag): round(t["first_s"], 2) for flag, t in probe.items()
    }
    print(f"  dlt {label}: parallelized={parallelized}, {repeats} run(s)", flush=True)
    runs = [probe[parallelized]] + [
        peer_loads(base_url, parallelized) for _ in range(max(repeats - 1, 0))
    ]
    for timings in runs:
        if timings["rows"] != size:
            results.facts.setdefault("problems", []).append(
                f"dlt loaded {timings['rows']:.0f} of {size} rows"
            )
        results.figure(f"dlt {label} first items/s", "items/s").add(size / timings["first_s"])
        results.figure(f"dlt {label} second items/s", "items/s").add(size / timings["second_s"])


def main() -> None:
    """Child process: load once or twice, print the timings and peak RSS as one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.peer_dlt")
    parser.add_argument("base_url")
    parser.add_argument("pipelines_dir")
    parser.add_argument("--parallelized", action="store_true")
    parser.add_argument("--loads", type=int, choices=(1, 2), default=2)
    args = parser.parse_args()
    print(json.dumps(_loads(args.base_url, args.parallelized, args.pipelines_dir, args.loads)))


if __name__ == "__main__":
    main()
