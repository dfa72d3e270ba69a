"""Apply the numbered SQL files in ``migrations/`` once each, in order."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

import aiomysql

from shared.config import DatabaseSettings
from shared.db.pool import db_pool
from shared.errors import ItemSyncError
from shared.values.clock import utc_now

_FILE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_LOCK = "item_sync_migrate"  # GET_LOCK name: two migrators never interleave
# A file names the binary collation that keeps trailing spaces significant by this
# token: the servers call it differently. The first one the server has is used.
EXACT_BIN = "@EXACT_BIN@"
_EXACT_BIN_COLLATIONS = ("utf8mb4_nopad_bin", "utf8mb4_0900_bin")  # MariaDB, MySQL 8


@dataclass(frozen=True)
class Migration:
    """One SQL file: its number, name and text."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """sha256 of the file, to notice an applied file that was edited."""
        return hashlib.sha256(self.sql.encode()).hexdigest()

    def statements(self) -> list[str]:
        """The file's statements, split on ``;`` at line ends."""
        body = "\n".join(
            line for line in self.sql.splitlines() if not line.lstrip().startswith("--")
        )
        return [part.strip() for part in re.split(r";\s*$", body, flags=re.M) if part.strip()]


def available_migrations() -> list[Migration]:
    """Every migration shipped with the package, in order."""
    files = [f for f in resources.files("migrations").iterdir() if _FILE.match(f.name)]
    found = [
        Migration(version=int(f.name[:4]), name=f.name, sql=f.read_text(encoding="utf-8"))
        for f in files
    ]
    return sorted(found, key=lambda m: m.version)


async def migrate(settings: DatabaseSettings) -> list[str]:
    """Create the database if missing and apply pending migrations; return their names."""
    async with db_pool(settings, database=False) as pool, pool.acquire() as conn:
        async with conn.cursor() as cur:
            await cur.execute(
                "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = %s",
                (settings.database,),
            )
            (exists,) = await cur.fetchone()
            if not exists:  # checked first: IF NOT EXISTS would still raise a warning
                await cur.execute(
                    f"CREATE DATABASE IF NOT EXISTS `{settings.database}` "
                    "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                )
            await cur.execute(f"USE `{settings.database}`")
            await cur.execute("SELECT GET_LOCK(%s, 60)", (_LOCK,))
        try:
            return await _apply_pending(conn)
        finally:
            async with conn.cursor() as cur:
                await cur.execute("SELECT RELEASE_LOCK(%s)", (_LOCK,))


async def applied_versions(conn: aiomysql.Connection) -> dict[int, str]:
    """Applied versions and their checksums; empty when the ledger table is missing."""
    async with conn.cursor() as cur:
        await cur.execute(
            "SELECT COUNT(*) FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_name = 'schema_migrations'"
        )
        (exists,) = await cur.fetchone()
        if not exists:
            return {}
        await cur.execute("SELECT version, checksum FROM schema_migrations")
        return {int(version): str(checksum) for version, checksum in await cur.fetchall()}


async def pending_migrations(conn: aiomysql.Connection) -> list[Migration]:
    """Migrations not yet applied to the connected database."""
    applied = await applied_versions(conn)
    return [m for m in available_migrations() if m.version not in applied]


async def _apply_pending(conn: aiomysql.Connection) -> list[str]:
    applied = await applied_versions(conn)
    if not applied:
        async with conn.cursor() as cur:
            await cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL,"
                " checksum CHAR(64) NOT NULL, applied_at DATETIME(6) NOT NULL"
                ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
            )
    for migration in available_migrations():
        known = applied.get(migration.version)
        if known is not None and known != migration.checksum:
            raise ItemSyncError(f"migration {migration.name} was edited after it was applied")
    done: list[str] = []
    exact_bin: str | None = None
    for migration in await pending_migrations(conn):
        async with conn.cursor() as cur:
            for statement in migration.statements():
                if EXACT_BIN in statement:
                    exact_bin = exact_bin or await _exact_bin_collation(conn)
                    statement = statement.replace(EXACT_BIN, exact_bin)
                await cur.execute(statement)
            await cur.execute(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at) "
                "VALUES (%s, %s, %s, %s)",
                (
                    migration.version,
                    migration.name,
                    migration.checksum,
                    utc_now().replace(tzinfo=None),
                ),
            )
        await conn.commit()
        done.append(migration.name)
    return done


async def _exact_bin_collation(conn: aiomysql.Connection) -> str:
    """The server's utf8mb4 binary collation without padding."""
    marks = ", ".join(["%s"] * len(_EXACT_BIN_COLLATIONS))
    async with conn.cursor() as cur:
        await cur.execute(
            "SELECT collation_name FROM information_schema.collations"  # noqa: S608 - placeholders
            f" WHERE collation_name IN ({marks})",
            _EXACT_BIN_COLLATIONS,
        )
        found = {row[0] for row in await cur.fetchall()}
    for name in _EXACT_BIN_COLLATIONS:
        if name in found:
            return name
    raise ItemSyncError(
        "the server has no utf8mb4 binary collation without padding"
        f" ({' or '.join(_EXACT_BIN_COLLATIONS)}): MariaDB 10.2+ or MySQL 8.0.17+ is needed"
    )
