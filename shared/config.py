"""Settings: one typed section per environment prefix, read once in ``main``."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from shared.durations import PositiveDuration
from shared.errors import ConfigError
from shared.rates import Rate, RateLimit
from shared.sources.names import SOURCE_NAMES


def _http_base_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value.rstrip("/")


# An upstream's base URL: http(s) only, without the trailing slash paths are joined on.
HttpBaseUrl = Annotated[str, AfterValidator(_http_base_url)]


class ApiSettings(BaseModel):
    """``API_*``: which sources are synced, and who may change state over HTTP."""

    api_type: str = "pokemon"
    token: SecretStr | None = None
    allow_anonymous_writes: bool = False
    max_body_bytes: int = Field(default=64 * 1024, gt=0)
    sync_rate_limit: RateLimit = Rate(count=30, period=timedelta(minutes=1))
    cors_origins: str = ""

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        origins = [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        for origin in origins:
            if origin != "*" and not re.fullmatch(r"https?://[^/\s]+", origin):
                raise ValueError(f"{origin!r} is not an origin like https://app.example.com")
        return ",".join(origins)

    @field_validator("api_type")
    @classmethod
    def _known_sources(cls, value: str) -> str:
        names = [name.strip().lower() for name in value.split(",") if name.strip()]
        unknown = sorted(set(names) - SOURCE_NAMES)
        if not names or unknown:
            raise ValueError(
                f"unknown source {', '.join(unknown) or '(empty)'}; "
                f"choose from {', '.join(sorted(SOURCE_NAMES))}"
            )
        return ",".join(dict.fromkeys(names))

    @property
    def sources(self) -> list[str]:
        """The configured sources, in the order given, without repeats."""
        return self.api_type.split(",")

    @property
    def cors_allowed(self) -> frozenset[str]:
        """Origins that may call the API from a browser (``*`` for any); empty means none."""
        return frozenset(self.cors_origins.split(",")) - {""}


class WorkerSettings(BaseModel):
    """``WORKER_*``: the scheduler's period, the job deadline, and when a job is re-driven."""

    enabled: bool = True
    sync_interval: PositiveDuration = timedelta(minutes=15)
    job_timeout: PositiveDuration = timedelta(minutes=10)
    # An open job with no page written for this long and nothing of it in either
    # stream lost its work (Redis lost its data): the writers emit it again.
    redrive_after: PositiveDuration = timedelta(seconds=60)


class RetrySettings(BaseModel):
    """``RETRY_*``: the one retry policy and the per-source breaker."""

    max_retries: int = Field(default=5, ge=0, le=50)
    backoff_factor: float = Field(default=2.0, ge=1.0)
    circuit_threshold: int = Field(default=5, ge=1)
    circuit_timeout: PositiveDuration = timedelta(seconds=60)


class DatabaseSettings(BaseModel):
    """``DATABASE_*``: MySQL 8 or MariaDB 10.6+."""

    host: str = "localhost"
    port: int = Field(default=3306, gt=0, lt=65536)
    user: str = "root"
    password: SecretStr = SecretStr("")
    database: str = Field(default="item_sync", pattern=r"^[A-Za-z0-9_]+$")
    pool_size: int = Field(default=32, ge=1, le=512)


class RedisSettings(BaseModel):
    """``REDIS_*``: Redis 6.2+."""

    host: str = "localhost"
    port: int = Field(default=6379, gt=0, lt=65536)
    password: SecretStr | None = None
    db: int = Field(default=0, ge=0)
    pool_size: int = Field(default=64, ge=1)
    socket_timeout: PositiveDuration = timedelta(seconds=10)


class ServerSettings(BaseModel):
    """``SERVER_*``: where the HTTP API listens."""

    host: str = "0.0.0.0"  # noqa: S104 - a service in a container listens on every interface
    port: int = Field(default=8080, gt=0, lt=65536)


class PokeapiSettings(BaseModel):
    """``POKEAPI_*``: the PokeAPI source."""

    base_url: HttpBaseUrl = "https://pokeapi.co/api/v2"
    page_size: int = Field(default=20, ge=1, le=1000)
    detail_concurrency: int = Field(default=32, ge=1, le=256)
    request_timeout: PositiveDuration = timedelta(seconds=30)
    # Shared by every fetcher; PokeAPI bans clients that hammer it.
    rate_limit: RateLimit = Rate(count=100, period=timedelta(seconds=1))


MAX_CITY_CHARS = 100  # the page key ``weather:<city>`` must fit its 191-character column


class OpenweatherSettings(BaseModel):
    """``OPENWEATHER_*``: the OpenWeather source; the key is a secret."""

    base_url: HttpBaseUrl = "https://api.openweathermap.org/data/2.5"
    api_key: SecretStr | None = None
    api_key_file: Path | None = None
    cities: str = "London,Paris,Tokyo,New York,Sydney"
    request_timeout: PositiveDuration = timedelta(seconds=30)
    # The free tier allows 60 calls a minute per key, shared by every fetcher.
    rate_limit: RateLimit = Rate(count=60, period=timedelta(minutes=1))

    @field_validator("cities")
    @classmethod
    def _city_names(cls, value: str) -> str:
        names = [name.strip() for name in value.split(",") if name.strip()]
        if not names:
            raise ValueError("name at least one city")
        too_long = [name for name in names if len(name) > MAX_CITY_CHARS]
        if too_long:
            raise ValueError(f"a city name has at most {MAX_CITY_CHARS} characters")
        return ",".join(dict.fromkeys(names))

    @property
    def city_list(self) -> list[str]:
        """The configured cities, in the order given, without repeats."""
        return self.cities.split(",")

    @field_validator("api_key_file")
    @classmethod
    def _readable(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        # The key variable wins: then the file is not read at all.
        if value is not None and info.data.get("api_key") is None:
            try:
                value.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ValueError(f"cannot read the file: {getattr(exc, 'strerror', exc)}") from None
        return value

    @model_validator(mode="after")
    def _key_from_file(self) -> OpenweatherSettings:
        if self.api_key is None and self.api_key_file is not None:
            self.api_key = SecretStr(self.api_key_file.read_text(encoding="utf-8").strip())
        return self


class StreamSettings(BaseModel):
    """``STREAM_*``: how consumers read their streams."""

    block: PositiveDuration = timedelta(seconds=2)
    claim_idle: PositiveDuration = timedelta(seconds=60)
    max_deliveries: int = Field(default=5, ge=1)
    shutdown_grace: PositiveDuration = timedelta(seconds=8)


class FetcherSettings(BaseModel):
    """``FETCHER_*``: how many commands a fetcher holds at once."""

    batch_size: int = Field(default=8, ge=1, le=256)


class WriterSettings(BaseModel):
    """``WRITER_*``: how many pages one MySQL transaction applies."""

    batch_size: int = Field(default=16, ge=1, le=1000)
    max_statement_bytes: int = Field(default=4 * 1024 * 1024, ge=64 * 1024)


class CacheSettings(BaseModel):
    """``CACHE_*``: the Redis cache in front of ``GET /items/{id}``."""

    item_ttl: PositiveDuration = timedelta(minutes=5)
    # Each API process also keeps hot answers in memory, dropped when a writer changes
    # the item; 0 turns that copy off.
    local_max_bytes: int = Field(default=64 * 1024 * 1024, ge=0)
    local_ttl: PositiveDuration = timedelta(seconds=60)


class LogSettings(BaseModel):
    """``LOG_*``: level and renderer."""

    level: str = Field(default="info", pattern=r"(?i)^(debug|info|warning|error)$")
    format: str = Field(default="auto", pattern=r"^(auto|json|console)$")


class MetricsSettings(BaseModel):
    """``METRICS_*``: where a worker serves ``/metrics`` and ``/health``."""

    host: str = "0.0.0.0"  # noqa: S104 - scraped and probed from outside the container
    port: int = Field(default=9100, ge=0, lt=65536)  # 0: no endpoint


class EventsSettings(BaseModel):
    """``EVENTS_*``: the live event feed served as Server-Sent Events."""

    heartbeat: PositiveDuration = timedelta(seconds=15)  # a comment line keeps proxies open
    max_clients: int = Field(default=64, ge=1, le=10_000)  # per API process


class AlertSettings(BaseModel):
    """``ALERT_*``: webhooks told when a job ends badly or a breaker opens or closes."""

    # Comma list; secret because a Slack-style webhook URL is itself the credential.
    webhook_urls: SecretStr = SecretStr("")
    timeout: PositiveDuration = timedelta(seconds=5)  # per POST; retries come on top

    @property
    def urls(self) -> list[str]:
        """The configured webhook URLs, in order."""
        raw = self.webhook_urls.get_secret_value()
        return [url.strip() for url in raw.split(",") if url.strip()]


class Settings(BaseSettings):
    """Every setting of every service; sections match the ``SECTION_NAME`` variables."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        extra="ignore",
    )

    api: ApiSettings = ApiSettings()
    worker: WorkerSettings = WorkerSettings()
    retry: RetrySettings = RetrySettings()
    database: DatabaseSettings = DatabaseSettings()
    redis: RedisSettings = RedisSettings()
    server: ServerSettings = ServerSettings()
    pokeapi: PokeapiSettings = PokeapiSettings()
    openweather: OpenweatherSettings = OpenweatherSettings()
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
        secrets.append(self.openweather.api_key)
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
    error = exc.errors()[0]
    variable = "_".join(str(part).upper() for part in error["loc"][:2])
    value = error.get("input")
    secret = any(word in variable for word in ("PASSWORD", "KEY", "TOKEN"))
    shown = "***" if secret else repr(value)
    return f"invalid configuration: {variable}={shown}: {error['msg']}"
