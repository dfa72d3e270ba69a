"""``API_*`` and ``SERVER_*``: who may change state over HTTP, and where the API listens."""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import BaseModel, Field, SecretStr, field_validator

from shared.config.values import IpNetwork, MaskableSecret, parse_networks
from shared.values.rates import Rate, RateLimit


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


class ServerSettings(BaseModel):
    """``SERVER_*``: where the HTTP API listens."""

    host: str = "0.0.0.0"  # noqa: S104 - a service in a container listens on every interface
    port: int = Field(default=8080, gt=0, lt=65536)
