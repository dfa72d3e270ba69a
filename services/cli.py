"""``item-sync``: one console script for every service and operator command."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from services.api.main import run as run_api
from services.fetcher.main import run as run_fetcher
from services.ops.dlq import run_dlq
from services.ops.health import probe_health
from services.ops.status import run_status
from services.ops.sync import run_sync
from services.ops.unreachable import UNREACHABLE_ERRORS, unreachable_message
from services.runner import run_all
from services.scheduler.main import run as run_scheduler
from services.writer.main import run as run_writer
from shared.config import Settings, load_settings
from shared.db.migrate import migrate
from shared.errors import ConfigError, ItemSyncError
from shared.observability.log_sink import stderr_sink
from shared.observability.logging import configure_logging
from shared.runtime.ports import ensure_port_free
from shared.runtime.service import ServiceMain, run_service
from shared.sources.registry import registered_names

SERVICES: dict[str, ServiceMain] = {
    "api": run_api,
    "scheduler": run_scheduler,
    "fetcher": run_fetcher,
    "writer": run_writer,
}
EXIT_CONFIG = 2
OPERATOR_COMMANDS = ("dlq", "sync", "status")
SERVES_API = ("api", "run")
# Plain text: argparse prints it as is, so no reStructuredText markup.
DESCRIPTION = (
    "One command for every item-sync service and operator task. "
    "Settings come from the environment or ./.env (see .env.example)."
)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, read settings once, dispatch."""
    try:
        parser = _parser()  # its help names the defined sources: a bad definition stops here
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CONFIG
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CONFIG
    problem = settings.api.write_access_problem() if args.command in SERVES_API else None
    if problem is not None:  # an API anyone can write to is a choice, never a default
        print(problem, file=sys.stderr)
        return EXIT_CONFIG
    # What a newcomer meets first (a taken port, Redis or MySQL not running) is one line.
    try:
        return _dispatch(settings, args)
    except ItemSyncError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except UNREACHABLE_ERRORS as exc:
        message = unreachable_message(exc, settings)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 1


def _dispatch(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "run":
        ensure_port_free(settings.server.host, settings.server.port, "SERVER_PORT")
        return run_all(settings, fetchers=args.fetchers, writers=args.writers)
    if args.command not in SERVICES:
        _log_to_stderr(args.command, settings)
    if args.command == "migrate":
        return _migrate(settings)
    if args.command == "health":
        port = settings.metrics.port if args.port is None else args.port
        return probe_health(args.host, port)
    if args.command in OPERATOR_COMMANDS:
        return _operate(settings, args)
    run_service(args.command, SERVICES[args.command], settings)
    return 0


def _operate(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "dlq":
        return run_dlq(settings, args.action, args.ids, args.limit, purge_all=args.all)
    if args.command == "sync":
        return run_sync(
            settings,
            args.source,
            force=args.force,
            operation=args.operation,
            item_id=args.id,
            wait=args.wait,
        )
    return run_status(settings)


def _log_to_stderr(command: str, settings: Settings) -> None:
    """One-shot commands print their answer on stdout; any log line goes, masked, to stderr."""
    configure_logging(
        service=command,
        level=settings.log.level,
        fmt=settings.log.format,
        secrets=settings.secret_values(),
        sink=stderr_sink(),
    )


def _migrate(settings: Settings) -> int:
    applied = asyncio.run(migrate(settings.database))
    if applied:
        print(f"applied {len(applied)} migration(s): {', '.join(applied)}")
    else:
        print("database is up to date")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="item-sync", description=DESCRIPTION)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("migrate", help="create the database and apply pending migrations")
    commands.add_parser("api", help="serve the HTTP API")
    commands.add_parser("scheduler", help="open a sync job per source every interval")
    commands.add_parser("fetcher", help="fetch commands from the upstream APIs")
    commands.add_parser("writer", help="write fetched pages into MySQL")
    run = commands.add_parser("run", help="migrate, then run all four services (local use)")
    run.add_argument("--fetchers", type=int, default=1, help="fetcher processes (default 1)")
    run.add_argument("--writers", type=int, default=1, help="writer processes (default 1)")
    dlq = commands.add_parser("dlq", help="list, replay or purge dead letters")
    dlq.add_argument("action", choices=["list", "replay", "purge"])
    dlq.add_argument("ids", nargs="*", help="dead-letter ids (replay default: all)")
    dlq.add_argument("--all", action="store_true", help="purge: every dead letter")
    dlq.add_argument("--limit", type=int, default=100, help="how many to list (default 100)")
    sync = commands.add_parser("sync", help="start a sync job now, as POST /sync does")
    known = ", ".join(registered_names())
    sync.add_argument("source", help=f"a source from API_API_TYPE, one of: {known}")
    sync.add_argument("--force", action="store_true", help="rewrite unchanged items too")
    sync.add_argument("--operation", choices=["list", "detail"], default="list")
    sync.add_argument("--id", help="the item's id upstream (with --operation detail)")
    sync.add_argument("--wait", action="store_true", help="follow the job; exit 0 if it succeeded")
    commands.add_parser("status", help="streams, consumers, breakers and the last jobs")
    health = commands.add_parser("health", help="probe a worker's /health (docker healthcheck)")
    health.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1")
    health.add_argument("--port", type=int, help="default METRICS_PORT")
    return parser


if __name__ == "__main__":
    sys.exit(main())
