"""``make run-local`` keeps to its own database and Redis DB, so it never touches ``make run``'s."""

from __future__ import annotations

import re
from pathlib import Path

from shared.config import Settings

ROOT = Path(__file__).resolve().parents[2]
RUN_LOCAL = ROOT / ".ci" / "run-local"
README = ROOT / "README.md"
# `export NAME="${OVERRIDE:-value}"` or `export NAME=value`: NAME and the value it gets by default.
EXPORT = re.compile(r'^export ([A-Z_]+)="?(?:\$\{[A-Z_]+:-([^}]*)\}|([^"\s$]*))"?\s*$', re.M)


def exported() -> dict[str, str]:
    """What the script exports to item-sync when its caller sets nothing."""
    script = RUN_LOCAL.read_text(encoding="utf-8")
    return {m[1]: m[2] if m[2] is not None else m[3] for m in EXPORT.finditer(script)}


def test_run_local_uses_its_own_database_and_redis_db() -> None:
    """The stand-in's 75 Pokémon land in a database and Redis DB that `make run` does not use."""
    defaults = Settings(_env_file=None)
    env = exported()
    assert env["DATABASE_DATABASE"] not in ("", defaults.database.database)
    assert env["REDIS_DB"].isdigit()
    assert int(env["REDIS_DB"]) != defaults.redis.db
    assert env["API_TOKEN"]  # the API refuses to start without one


def test_quick_start_names_run_locals_database_and_redis_db() -> None:
    """The README's Quick start tells where run-local's data lives."""
    env = exported()
    quick_start = README.read_text(encoding="utf-8").split("## Quick start", 1)[1].split("\n## ")[0]
    assert f"`{env['DATABASE_DATABASE']}`" in quick_start
    assert f"Redis DB {env['REDIS_DB']}" in quick_start
