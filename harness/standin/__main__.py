"""Command line: ``python -m harness.standin --host 127.0.0.1 --port 0 [options]``.

Once listening it writes exactly one line, ``STANDIN READY http://HOST:PORT``, to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from aiohttp import web

from harness.standin.app import create_app
from harness.standin.catalogue import DEFAULT_FIXTURES
from harness.standin.state import (
    DEFAULT_GITHUB_ISSUES,
    DEFAULT_GITHUB_TOKEN,
    DEFAULT_OPENWEATHER_KEY,
    Faults,
    FaultUpdateError,
    StandinState,
)

READY_PREFIX = "STANDIN READY "
# Hanging requests must not hold up a SIGTERM for the default 60 s.
SHUTDOWN_TIMEOUT_S = 1.0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be at least 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser for the stand-in command line."""
    parser = argparse.ArgumentParser(
        prog="python -m harness.standin", description="Stand-in PokeAPI/OpenWeather/GitHub server."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES, help="fixtures root")
    parser.add_argument("--list-limit", type=_positive_int, help="serve only the first N items")
    parser.add_argument("--synthetic", type=_positive_int, help="serve N generated items")
    parser.add_argument(
        "--recorded-sizes",
        action="store_true",
        help="serve every listed item (1,351), each at the size of a recorded detail",
    )
    parser.add_argument(
        "--hostile", action="store_true", help="serve hostile names and payloads (7 items)"
    )
    parser.add_argument(
        "--recorded",
        type=_positive_int,
        help="serve N items of real size: the recorded details of 100 KB and more, cycled "
        "and renamed <name>-<id>",
    )
    parser.add_argument("--openweather-key", default=DEFAULT_OPENWEATHER_KEY)
    parser.add_argument(
        "--github-token",
        default=DEFAULT_GITHUB_TOKEN,
        help="the token the GitHub API expects (Bearer or token scheme)",
    )
    parser.add_argument(
        "--github-issues",
        type=_count,
        default=DEFAULT_GITHUB_ISSUES,
        help="how many issues the GitHub API serves",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for fault decisions")
    faults = parser.add_argument_group("faults (upstream routes only)")
    faults.add_argument("--latency-ms", type=float, default=0.0)
    faults.add_argument("--error-rate", type=float, default=0.0, help="fraction answered 5xx")
    faults.add_argument("--rate-429", type=float, default=0.0, help="fraction answered 429")
    faults.add_argument("--retry-after-s", type=int, default=1)
    faults.add_argument("--hang-rate", type=float, default=0.0, help="fraction that hang")
    faults.add_argument("--hang-s", type=float, default=30.0)
    faults.add_argument("--broken-json-rate", type=float, default=0.0)
    faults.add_argument("--down", action="store_true", help="answer every request 503")
    faults.add_argument("--openweather-429", action="store_true")
    return parser


def state_from_args(args: argparse.Namespace) -> StandinState:
    """Build the server state from parsed arguments; raises FaultUpdateError on bad faults."""
    faults = Faults().updated(
        {
            "latency_ms": args.latency_ms,
            "error_rate": args.error_rate,
            "rate_429": args.rate_429,
            "retry_after_s": args.retry_after_s,
            "hang_rate": args.hang_rate,
            "hang_s": args.hang_s,
            "broken_json_rate": args.broken_json_rate,
            "down": args.down,
            "openweather_429": args.openweather_429,
        }
    )
    return StandinState.create(
        fixtures_dir=args.fixtures,
        list_limit=args.list_limit,
        synthetic=args.synthetic,
        recorded_sizes=args.recorded_sizes,
        hostile=args.hostile,
        recorded=args.recorded,
        faults=faults,
        seed=args.seed,
        openweather_key=args.openweather_key,
        github_token=args.github_token,
        github_issues=args.github_issues,
    )


async def serve(state: StandinState, host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT, announcing the address once listening."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    # No access log: benchmarks push many requests and stdout carries only the READY line.
    runner = web.AppRunner(create_app(state), access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT_S)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        bound_port = runner.addresses[0][1]
        shown_host = f"[{host}]" if ":" in host else host
        sys.stdout.write(f"{READY_PREFIX}http://{shown_host}:{bound_port}\n")
        sys.stdout.flush()
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    """Run the stand-in server from the command line."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        state = state_from_args(args)
    except FaultUpdateError as exc:
        parser.error(str(exc))
    except FileNotFoundError as exc:
        parser.error(f"fixtures not found: {exc.filename}")
    asyncio.run(serve(state, args.host, args.port))


if __name__ == "__main__":
    main()
