"""``Settings``: every section in one model, read once from the environment in ``main``."""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from shared.config.api import ApiSettings, ServerSettings
from shared.config.backends import DatabaseSettings, RedisSettings
from shared.config.observability import AlertSettings, EventsSettings, LogSettings, MetricsSettings
from shared.config.sources import SourceSettings
from shared.config.workers import (
    CacheSettings,
    FetcherSettings,
    RetrySettings,
    StreamSettings,
    WorkerSettings,
    WriterSettings,
)
from shared.errors import ConfigError


class Settings(BaseSettings):
    """Every setting of every service; sections match the ``SECTION_NAME`` variables."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        extra="ignore",
    )

    api: ApiSettings = Field(default_factory=ApiSettings)  # its default names a registered source
    worker: WorkerSettings = WorkerSettings()
    retry: RetrySettings = RetrySettings()
    database: DatabaseSettings = DatabaseSettings()
    redis: RedisSettings = RedisSettings()
    server: ServerSettings = ServerSettings()
    source: SourceSettings = SourceSettings()
    stream: StreamSettings = StreamSettings()
    fetcher: FetcherSettings = FetcherSettings()
    writer: WriterSettings = WriterSettings()
    cache: CacheSettings = CacheSettings()
    log: LogSettings = LogSettings()
    metrics: MetricsSettings = MetricsSettings()
    events: EventsSettings = EventsSettings()
    alert: AlertSettings = AlertSettings()

    def secret_values(self) -> list[str]:
        """Every configured secret, for the log redaction registered at start-up."""
        secrets = [self.api.token, self.database.password, self.redis.password]
        secrets.extend(SecretStr(url) for url in self.alert.urls)
        return [secret.get_secret_value() for secret in secrets if secret is not None]


def load_settings(env_file: str | None = ".env") -> Settings:
    """Read the environment (and ``.env``) once; raise ``ConfigError`` naming the variable."""
    try:
        return Settings(_env_file=env_file)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
    except SettingsError as exc:  # e.g. DATABASE=garbage: a section given as one value
        match = re.search(r'field "(\w+)"', str(exc))
        section = match.group(1).upper() if match else "a section"
        raise ConfigError(
            f"invalid configuration: {section}: set its {section}_* variables one by one"
        ) from None


def _describe(exc: ValidationError) -> str:
    # Every invalid variable, one line each, so one restart fixes them all.
    lines = dict.fromkeys(_describe_one(error) for error in exc.errors())
    return "\n".join(lines)


def _describe_one(error: ErrorDetails) -> str:
    variable = "_".join(str(part).upper() for part in error["loc"][:2])
    value = error.get("input")
    secret = any(word in variable for word in ("PASSWORD", "KEY", "TOKEN"))
    shown = "***" if secret else repr(value)
    return f"invalid configuration: {variable}={shown}: {error['msg']}"


def setting_prefixes() -> tuple[str, ...]:
    """The environment prefix of every settings section: ``API_``, ``WORKER_``, ..."""
    return tuple(f"{name.upper()}_" for name in Settings.model_fields)
