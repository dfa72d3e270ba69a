"""``LOG_*``, ``METRICS_*``, ``EVENTS_*`` and ``ALERT_*``: what the services tell operators."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, Field, SecretStr

from shared.config.values import one_of
from shared.values.durations import PositiveDuration

LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_FORMATS = ("auto", "json", "console")


class LogSettings(BaseModel):
    """``LOG_*``: level and renderer."""

    level: Annotated[str, one_of(LOG_LEVELS)] = "info"
    format: Annotated[str, one_of(LOG_FORMATS)] = "auto"


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
