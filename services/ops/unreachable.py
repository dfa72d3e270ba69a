"""One line, instead of a traceback, when a command cannot use Redis or MySQL."""

from __future__ import annotations

import pymysql
from redis.exceptions import AuthenticationError
from redis.exceptions import ConnectionError as RedisConnectionError

from shared.config import Settings

# MySQL's codes for: no server there (TCP, socket); wrong user or password (MySQL,
# MariaDB's unix_socket root); no such database; no such table (not migrated yet).
_CANNOT_CONNECT = {2002, 2003}
_ACCESS_DENIED = {1045, 1698}
_NOT_MIGRATED = {1049, 1146}
UNREACHABLE_ERRORS = (RedisConnectionError, AuthenticationError, pymysql.err.MySQLError)


def unreachable_message(exc: Exception, settings: Settings) -> str | None:
    """What to do about ``exc`` if it means a backing service is out of reach, else None."""
    redis, db = settings.redis, settings.database
    if isinstance(exc, AuthenticationError):
        return f"Redis at {redis.host}:{redis.port} refused the login: check REDIS_PASSWORD"
    if isinstance(exc, RedisConnectionError):
        return (
            f"cannot reach Redis at {redis.host}:{redis.port} (REDIS_HOST, REDIS_PORT): "
            "is it running? `make services` starts Redis and MariaDB here"
        )
    code = exc.args[0] if isinstance(exc, pymysql.err.MySQLError) and exc.args else None
    if code in _CANNOT_CONNECT:
        return (
            f"cannot reach MySQL at {db.host}:{db.port} (DATABASE_HOST, DATABASE_PORT): "
            "is it running? `make services` starts Redis and MariaDB here"
        )
    if code in _ACCESS_DENIED:
        return (
            f"MySQL at {db.host}:{db.port} refused user {db.user!r}: "
            "check DATABASE_USER and DATABASE_PASSWORD"
        )
    if code in _NOT_MIGRATED:
        return (
            f"database {db.database!r} (DATABASE_DATABASE) is not migrated yet: "
            "run item-sync migrate (make run-local does it)"
        )
    return None
