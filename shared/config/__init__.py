"""Settings: one typed section per environment prefix, read once in ``main``.

``settings.py`` holds ``Settings`` and its loading; each other module holds the sections of
one part of the system, and ``values.py`` the checks they share.
"""

from shared.config.api import ApiSettings, ServerSettings
from shared.config.backends import DatabaseSettings, RedisSettings
from shared.config.observability import (
    LOG_FORMATS,
    LOG_LEVELS,
    AlertSettings,
    EventsSettings,
    LogSettings,
    MetricsSettings,
)
from shared.config.settings import Settings, load_settings, setting_prefixes
from shared.config.sources import SourceSettings
from shared.config.values import HttpBaseUrl, IpNetwork, MaskableSecret, parse_networks
from shared.config.workers import (
    CacheSettings,
    FetcherSettings,
    RetrySettings,
    StreamSettings,
    WorkerSettings,
    WriterSettings,
)

__all__ = [
    "LOG_FORMATS",
    "LOG_LEVELS",
    "AlertSettings",
    "ApiSettings",
    "CacheSettings",
    "DatabaseSettings",
    "EventsSettings",
    "FetcherSettings",
    "HttpBaseUrl",
    "IpNetwork",
    "LogSettings",
    "MaskableSecret",
    "MetricsSettings",
    "RedisSettings",
    "RetrySettings",
    "ServerSettings",
    "Settings",
    "SourceSettings",
    "StreamSettings",
    "WorkerSettings",
    "WriterSettings",
    "load_settings",
    "parse_networks",
    "setting_prefixes",
]
