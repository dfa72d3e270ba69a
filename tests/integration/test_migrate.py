"""``item-sync migrate`` against real MariaDB: creates, applies in order, then does nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pymysql
import pytest

from harness.backends import database_name
from services.cli import main
from shared.config import DatabaseSettings
from shared.db.migrate import available_migrations, migrate

SCRATCH = database_name("item_sync_migrate_test")


@pytest.fixture
def scratch_database() -> Iterator[DatabaseSettings]:
    """A database name that does not exist before the test and is dropped after it."""
    conn = pymysql.connect(host="127.0.0.1", user="root", password="")
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{SCRATCH}`")
    yield DatabaseSettings(host="127.0.0.1", database=SCRATCH)
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{SCRATCH}`")
    conn.close()


def _tables() -> set[str]:
    conn = pymysql.connect(host="127.0.0.1", user="root", password="", database=SCRATCH)
    with conn.cursor() as cur:
        cur.execute("SHOW TABLES")
        names = {row[0] for row in cur.fetchall()}
    conn.close()
    return names


async def test_migrate_creates_the_database_and_is_a_no_op_after(
    scratch_database: DatabaseSettings,
) -> None:
    """The first run creates the database and applies every file; the second applies none."""
    applied = await migrate(scratch_database)
    assert applied == [m.name for m in available_migrations()]
    assert {"items", "sync_jobs", "sync_job_pages", "sync_job_errors", "schema_migrations"} <= (
        _tables()
    )
    assert await migrate(scratch_database) == []


def test_cli_migrate_reports_what_it_did(
    scratch_database: DatabaseSettings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``item-sync migrate`` says what it applied, then that the database is up to date."""
    monkeypatch.setenv("DATABASE_DATABASE", SCRATCH)
    monkeypatch.setenv("DATABASE_HOST", "127.0.0.1")
    monkeypatch.chdir("/")  # no .env from the working tree
    assert main(["migrate"]) == 0
    assert f"applied {len(available_migrations())} migration(s)" in capsys.readouterr().out
    assert main(["migrate"]) == 0
    assert capsys.readouterr().out.strip() == "database is up to date"
