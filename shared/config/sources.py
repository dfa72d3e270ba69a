"""``POKEAPI_*``, ``OPENWEATHER_*`` and ``SOURCE_*``: the upstreams and what they share."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, ValidationInfo, field_validator, model_validator

from shared.config.values import TOO_SHORT, HttpBaseUrl, MaskableSecret
from shared.observability.redaction import MIN_SECRET_CHARS
from shared.values.durations import PositiveDuration
from shared.values.rates import Rate, RateLimit


class PokeapiSettings(BaseModel):
    """``POKEAPI_*``: the PokeAPI source."""

    base_url: HttpBaseUrl = "https://pokeapi.co/api/v2"
    page_size: int = Field(default=20, ge=1, le=1000)
    detail_concurrency: int = Field(default=32, ge=1, le=256)
    # A list whose count is larger fails its job instead of fanning out that many commands:
    # the real catalogue holds about 1,400 items, so a huge count is an upstream fault.
    max_items: int = Field(default=100_000, ge=1)
    request_timeout: PositiveDuration = timedelta(seconds=30)
    # Shared by every fetcher; PokeAPI bans clients that hammer it.
    rate_limit: RateLimit = Rate(count=100, period=timedelta(seconds=1))
    # PokeAPI sends an ETag with every answer and answers If-None-Match with a bodiless 304.
    conditional_requests: bool = True
    # ``GET /meta/`` names the deployed data; unchanged since the last sweep, a list job
    # ends at once. Empty URL: ``<base_url>/meta/``; CHANGE_SIGNAL=false: always sweep.
    change_signal: bool = True
    change_signal_url: str = ""
    change_signal_field: str = Field(default="hash", min_length=1)

    @field_validator("change_signal_url")
    @classmethod
    def _signal_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @property
    def signal_url(self) -> str | None:
        """Where the change signal is read, or None when it is not used."""
        if not self.change_signal:
            return None
        return self.change_signal_url or f"{self.base_url}/meta/"


MAX_CITY_CHARS = 100  # the page key ``weather:<city>`` must fit its 191-character column


class OpenweatherSettings(BaseModel):
    """``OPENWEATHER_*``: the OpenWeather source; the key is a secret."""

    base_url: HttpBaseUrl = "https://api.openweathermap.org/data/2.5"
    api_key: MaskableSecret | None = None
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
                key = value.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise ValueError(f"cannot read the file: {getattr(exc, 'strerror', exc)}") from None
            if 0 < len(key) < MIN_SECRET_CHARS:
                raise ValueError(f"the key in the file is {TOO_SHORT}")
        return value

    @model_validator(mode="after")
    def _key_from_file(self) -> OpenweatherSettings:
        if self.api_key is None and self.api_key_file is not None:
            self.api_key = SecretStr(self.api_key_file.read_text(encoding="utf-8").strip())
        return self


class SourceSettings(BaseModel):
    """``SOURCE_*``: what every source shares."""

    # An unchanged change signal is trusted only this long after a full sweep: a CDN
    # may serve old answers for hours after upstream data changed.
    full_sweep_interval: PositiveDuration = timedelta(hours=24)
