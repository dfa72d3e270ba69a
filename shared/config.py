"""Settings: one typed section per environment prefix, read once in ``main``."""

from __future__ import annotations

import ipaddress
import re
from datetime import timedelta
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from shared.values.durations import PositiveDuration
from shared.errors import ConfigError
from shared.values.rates import Rate, RateLimit
from shared.observability.redaction import MIN_SECRET_CHARS


def _http_base_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value.rstrip("/")


# An upstream's base URL: http(s) only, without the trailing slash paths are joined on.
HttpBaseUrl = Annotated[str, AfterValidator(_http_base_url)]

_TOO_SHORT = f"too short to mask in logs: use at least {MIN_SECRET_CHARS} characters"


def _maskable(value: SecretStr) -> SecretStr:
    # Blank is no secret at all (an unset API_TOKEN is reported as such, not as too short).
    if 0 < len(value.get_secret_value().strip()) < MIN_SECRET_CHARS:
        raise ValueError(_TOO_SHORT)
    return value


# A secret the log redaction can mask: empty (none) or long enough not to mask ordinary words.
MaskableSecret = Annotated[SecretStr, AfterValidator(_maskable)]


IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str) -> tuple[IpNetwork, ...]:
    """A comma list of addresses and CIDR networks; ``ValueError`` names a bad entry."""
    networks: list[IpNetwork] = []
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or network") from None
    return tuple(networks)


def _registered_sources() -> tuple[str, ...]:
    # The registry builds sources from these settings: it is read when validating, not imported.
    from shared.sources.registry import registered_names

    return registered_names()


class ApiSettings(BaseModel):
    """``API_*``: which sources are synced, and who may change state over HTTP."""

    # The first registered source unless API_API_TYPE says otherwise.
    api_type: str = Field(default_factory=lambda: _registered_sources()[0])
    token: MaskableSecret | None = None
    allow_anonymous_writes: bool = False
    max_body_bytes: int = Field(default=64 * 1024, gt=0)
    # Counted per client address before authentication, so guessing tokens is limited too.
    sync_rate_limit: RateLimit = Rate(count=30, period=timedelta(minutes=1))
    # Failed authentications per address: stricter, since only a guesser fails often.
    auth_failure_limit: RateLimit = Rate(count=10, period=timedelta(minutes=1))
    # Proxies whose X-Forwarded-For is believed; any other peer is the client itself.
    trusted_proxies: str = ""
    cors_origins: str = ""

    @field_validator("token")
    @classmethod
    def _blank_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        # compose passes an unset variable as an empty string: that is no token at all.
        return None if value is None or not value.get_secret_value().strip() else value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        return ",".join(str(network) for network in parse_networks(value))

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
        known = _registered_sources()
        unknown = sorted(set(names) - set(known))
        if not names or unknown:
            raise ValueError(
                f"unknown source {', '.join(unknown) or '(empty)'}; "
                f"choose from {', '.join(sorted(known))}"
            )
        return ",".join(dict.fromkeys(names))

    @property
    def sources(self) -> list[str]:
        """The configured sources, in the order given, without repeats."""
        return self.api_type.split(",")

    @property
    def trusted_proxy_networks(self) -> tuple[IpNetwork, ...]:
        """``API_TRUSTED_PROXIES`` as networks (a single address is a /32 or /128)."""
        return parse_networks(self.trusted_proxies)

    def write_access_problem(self) -> str | None:
        """Why the API must not start as configured, or None: writes need a token or a choice."""
        if self.token is None and not self.allow_anonymous_writes:
            return (
                "invalid configuration: API_TOKEN is not set; set it, or set "
                "API_ALLOW_ANONYMOUS_WRITES=true to let anyone start syncs"
            )
        return None

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


class ServerSettings(BaseModel):
    """``SERVER_*``: where the HTTP API listens."""

    host: str = "0.0.0.0"  # noqa: S104 - a service in a container listens on every interface
    port: int = Field(default=8080, gt=0, lt=65536)


class SourceSettings(BaseModel):
    """``SOURCE_*``: what every source shares."""

    # An unchanged change signal is trusted only this long after a full sweep: a CDN
    # may serve old answers for hours after upstream data changed.
    full_sweep_interval: PositiveDuration = timedelta(hours=24)


class StreamSettings(BaseModel):
    """``STREAM_*``: how consumers read their streams, and how full ``itemsync:pages`` may get."""

    block: PositiveDuration = timedelta(seconds=2)
    claim_idle: PositiveDuration = timedelta(seconds=60)
    max_deliveries: int = Field(default=5, ge=1)
    shutdown_grace: PositiveDuration = timedelta(seconds=8)
    # Fetchers take no new command while the writers leave more than this unacknowledged
    # (0: no limit); Redis memory is then bounded by the budget plus the pages in hand.
    pages_max_pending: int = Field(default=256, ge=0)
    pages_max_bytes: int = Field(default=32 * 1024 * 1024, ge=0)


class FetcherSettings(BaseModel):
    """``FETCHER_*``: how many commands a fetcher holds at once."""

    batch_size: int = Field(default=4, ge=1, le=256)


class WriterSettings(BaseModel):
    """``WRITER_*``: how many pages, and how many bytes of them, one transaction applies."""

    batch_size: int = Field(default=16, ge=1, le=1000)
    # Real pages run to several MB each: a writer reads as many as fit in this (at least one).
    batch_max_bytes: int = Field(default=8 * 1024 * 1024, ge=64 * 1024)
    max_statement_bytes: int = Field(default=4 * 1024 * 1024, ge=64 * 1024)


class CacheSettings(BaseModel):
    """``CACHE_*``: the Redis cache in front of ``GET /items/{id}``."""

    item_ttl: PositiveDuration = timedelta(minutes=5)
    # Each API process also keeps hot answers in memory, dropped when a writer changes
    # the item; 0 turns that copy off.
    local_max_bytes: int = Field(default=64 * 1024 * 1024, ge=0)
    local_ttl: PositiveDuration = timedelta(seconds=60)


LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_FORMATS = ("auto", "json", "console")


def _one_of(choices: tuple[str, ...]) -> AfterValidator:
    # A pattern would put a regular expression in the error; name the allowed values instead.
    def check(value: str) -> str:
        if value.lower() not in choices:
            raise ValueError(f"choose one of {', '.join(choices)}")
        return value.lower()

    return AfterValidator(check)


class LogSettings(BaseModel):
    """``LOG_*``: level and renderer."""

    level: Annotated[str, _one_of(LOG_LEVELS)] = "info"
    format: Annotated[str, _one_of(LOG_FORMATS)] = "auto"


class MetricsSettings(BaseModel):
    """``METRICS_*``: where a worker serves ``/metrics`` and ``/health``."""

    host: str = "0.0.0.0"  # noqa: S104 - scraped and probed from outside the container
    # Not 9100: that is node_exporter's port, often taken on the hosts where this runs.
    port: int = Field(default=8091, ge=0, lt=65536)  # 0: no endpoint


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
