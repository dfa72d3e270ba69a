"""``item-sync migrate`` against real MariaDB: creates, applies in order, then does nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import aiomysql
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


async def test_payloads_move_to_their_own_table_intact(
    scratch_database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database from before ``0014_item_payloads`` keeps every payload, byte for byte,
    under the same item id, and its items rows lose the column, also when an earlier run
    copied the payloads and then failed."""
    every = available_migrations()
    before = [m for m in every if m.version < 14]
    monkeypatch.setattr("shared.db.migrate.available_migrations", lambda: before)
    await migrate(scratch_database)  # the schema as the release before left it
    payloads = {
        "1": '{"name": "bulbasaur"}',
        "25": '{"q": "\\"\'; DROP", "emoji": "😀"}',
        "150": '{"big": "' + "x" * 300_000 + '"}',  # stored off-page
    }
    with _connect() as conn, conn.cursor() as cur:
        for key, payload in payloads.items():
            cur.execute(
                "INSERT INTO items (api_source, external_id, name, payload, content_hash,"
                " created_at, updated_at, synced_at)"
                " VALUES ('pokemon', %s, %s, %s, 'h', NOW(6), NOW(6), NOW(6))",
                (key, f"mon-{key}", payload),
            )

    failed_run = next(m for m in every if m.version == 14).statements()[:2]  # copied, no ALTER
    with _connect() as conn, conn.cursor() as cur:
        for statement in failed_run:
            cur.execute(statement)
        cur.execute("UPDATE item_payloads SET payload = '{}'")  # a copy the rerun must redo

    monkeypatch.setattr("shared.db.migrate.available_migrations", lambda: every)
    with pytest.warns(pymysql.err.Warning, match="item_payloads' already exists"):
        assert "0014_item_payloads.sql" in await migrate(scratch_database)
    with _connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT external_id, payload FROM items JOIN item_payloads ON item_id = id")
        assert dict(cur.fetchall()) == payloads
        cur.execute(
            "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s"
            " AND TABLE_NAME = 'items' AND COLUMN_NAME = 'payload'",
            (SCRATCH,),
        )
        assert cur.fetchone() == (0,)


def _connect() -> pymysql.Connection:
    # Autocommit: a failed assertion leaves no transaction to hold up DROP DATABASE.
    return pymysql.connect(
        host="127.0.0.1", user="root", password="", database=SCRATCH, autocommit=True
    )


async def test_items_rows_hold_no_long_column(pool: aiomysql.Pool) -> None:
    """Every row the writer locks stays narrow: InnoDB reads a locked row whole, so a
    payload (or any other TEXT or BLOB) in ``items`` would be read on every 304."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS"
            " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'items'"
            " AND (DATA_TYPE LIKE '%%text' OR DATA_TYPE LIKE '%%blob' OR DATA_TYPE = 'json')"
        )
        long_columns = await cur.fetchall()
        await conn.commit()
    assert long_columns == ()


async def test_stored_ids_stay_and_trailing_spaces_count_after_the_exact_collation(
    scratch_database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database from before ``0016_exact_external_ids`` keeps its items; afterwards "7"
    and "7 " are two items, and every id and page key column compares without padding."""
    every = available_migrations()
    before = [m for m in every if m.version < 16]
    monkeypatch.setattr("shared.db.migrate.available_migrations", lambda: before)
    await migrate(scratch_database)
    insert = (
        "INSERT INTO items (api_source, external_id, name, content_hash, created_at,"
        " updated_at, synced_at) VALUES ('pokemon', %s, 'x', 'h', NOW(6), NOW(6), NOW(6))"
    )
    with _connect() as conn, conn.cursor() as cur:
        cur.execute(insert, ("7",))
        with pytest.raises(pymysql.err.IntegrityError):  # padded: the same key
            cur.execute(insert, ("7 ",))

    monkeypatch.setattr("shared.db.migrate.available_migrations", lambda: every)
    assert await migrate(scratch_database) == ["0016_exact_external_ids.sql"]
    with _connect() as conn, conn.cursor() as cur:
        cur.execute(insert, ("7 ",))
        cur.execute("SELECT CONCAT('[', external_id, ']') FROM items ORDER BY id")
        assert cur.fetchall() == (("[7]",), ("[7 ]",))
        cur.execute(
            "SELECT TABLE_NAME, COLUMN_NAME, COLLATION_NAME FROM information_schema.COLUMNS"
            " WHERE TABLE_SCHEMA = %s"
            " AND COLUMN_NAME IN ('external_id', 'external_sort_key', 'page_key')"
            " ORDER BY TABLE_NAME, COLUMN_NAME",
            (SCRATCH,),
        )
        columns = cur.fetchall()
    assert [row[:2] for row in columns] == [
        ("items", "external_id"),
        ("items", "external_sort_key"),
        ("sync_job_errors", "external_id"),
        ("sync_job_pages", "page_key"),
    ]
    assert {row[2] for row in columns} <= {"utf8mb4_nopad_bin", "utf8mb4_0900_bin"}


async def test_kept_list_answers_count_as_used_when_last_fetched(
    scratch_database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After ``0015_list_answers_used`` an answer kept before it was last used when it was
    fetched, so an old one is not kept for another whole retention."""
    every = available_migrations()
    monkeypatch.setattr(
        "shared.db.migrate.available_migrations", lambda: [m for m in every if m.version < 15]
    )
    await migrate(scratch_database)
    fetched = datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=UTC).replace(tzinfo=None)  # as stored
    with _connect() as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO list_answers (api_source, url_hash, page_url, body, fetched_at)"
            " VALUES ('pokemon', %s, '/list', '[]', %s)",
            ("0" * 64, fetched),
        )
    monkeypatch.setattr("shared.db.migrate.available_migrations", lambda: every)
    assert "0015_list_answers_used.sql" in await migrate(scratch_database)
    with _connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT used_at FROM list_answers")
        assert cur.fetchall() == ((fetched,),)
