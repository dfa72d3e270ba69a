"""OpenWeather's fetching: one city's current weather per command."""

from __future__ import annotations

from typing import ClassVar

from shared.config import OpenweatherSettings
from shared.errors import JobFailedError, PermanentUpstreamError
from shared.models.commands import Command, WeatherCommand
from shared.models.pages import FailedItem, FetchedItem
from shared.sources.base import SourcePage
from shared.sources.client import UpstreamClient
from shared.sources.documents import JsonDocument
from shared.sources.openweather.planner import NAME

KEY_REJECTED = "openweather rejected the API key (HTTP 401)"
NO_KEY = "openweather has no API key: set OPENWEATHER_API_KEY or OPENWEATHER_API_KEY_FILE"


class OpenWeatherFetcher:
    """``GET /weather?q=<city>&appid=<key>``; the city's id and name identify the item."""

    name: ClassVar[str] = NAME

    def __init__(self, settings: OpenweatherSettings, client: UpstreamClient) -> None:
        self._settings = settings
        self._client = client

    async def fetch(self, command: Command) -> SourcePage:
        """One city's current weather; a city upstream does not know is a failed item."""
        if not isinstance(command, WeatherCommand):
            raise PermanentUpstreamError(f"openweather cannot run a {command.type!r} command")
        key = self._settings.api_key.get_secret_value() if self._settings.api_key else ""
        if not key:
            raise JobFailedError(NO_KEY)
        try:
            document = await self._get_weather(command.city, key)
        except PermanentUpstreamError as exc:
            if exc.status == 401:
                raise JobFailedError(KEY_REJECTED) from exc
            failed = FailedItem(external_id=command.city, error=str(exc))
            return SourcePage(items=[], failed=[failed])
        item = _weather_item(document)
        if item is None:
            error = f"openweather weather {command.city!r}: unexpected shape"
            return SourcePage(items=[], failed=[FailedItem(external_id=command.city, error=error)])
        return SourcePage(items=[item])

    async def _get_weather(self, city: str, key: str) -> JsonDocument:
        url = f"{self._settings.base_url}/weather"
        what = f"openweather weather {city!r}"  # names the call; the URL holds the key
        return await self._client.get_document(url, what=what, params={"q": city, "appid": key})


def _weather_item(document: JsonDocument) -> FetchedItem | None:
    """The item of a 200 answer: the city's numeric id, its name and the whole body."""
    payload = document.value
    if not isinstance(payload, dict):
        return None
    city_id, name = payload.get("id"), payload.get("name")
    if isinstance(city_id, bool) or not isinstance(city_id, int) or not isinstance(name, str):
        return None
    return FetchedItem(
        external_id=str(city_id),
        name=name[:255],
        content_hash=document.content_hash,
        payload=document.text,
    )
