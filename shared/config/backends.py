"""``DATABASE_*`` and ``REDIS_*``: where MySQL and Redis are, and how to talk to them."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, Field, SecretStr, field_validator

from shared.config.values import MaskableSecret
from shared.values.durations import PositiveDuration


class DatabaseSettings(BaseModel):
    """``DATABASE_*``: MySQL 8 or MariaDB 10.6+."""

    host: str = "localhost"
    port: int = Field(default=3306, gt=0, lt=65536)
    user: str = "root"
    password: MaskableSecret = SecretStr("")
    database: str = Field(default="item_sync", pattern=r"^[A-Za-z0-9_]+$")
    pool_size: int = Field(default=32, ge=1, le=512)
    # Pinned on every session, whatever the server's default; valid on MySQL 8 and MariaDB.
    sql_mode: str = Field(
        default="STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION",
        pattern=r"^[A-Za-z_]*(,[A-Za-z_]+)*$",
    )

    @field_validator("sql_mode")
    @classmethod
    def _upper_mode(cls, value: str) -> str:
        return value.upper()


class RedisSettings(BaseModel):
    """``REDIS_*``: Redis 6.2+."""

    host: str = "localhost"
    port: int = Field(default=6379, gt=0, lt=65536)
    password: MaskableSecret | None = None
    db: int = Field(default=0, ge=0)
    pool_size: int = Field(default=64, ge=1)
    socket_timeout: PositiveDuration = timedelta(seconds=10)
