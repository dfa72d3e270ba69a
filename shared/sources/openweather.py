"""OpenWeather: the current weather of each configured city, one command per city."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import StringConstraints

from shared.config import MAX_CITY_CHARS, OpenweatherSettings
from shared.errors import InvalidRequest, JobFailedError, PermanentUpstreamError
from shared.models.commands import Command, WeatherCommand
from shared.models.pages import FailedItem, FetchedItem
from shared.sources.base import SourcePage
from shared.sources.client import UpstreamClient
from shared.sources.documents import JsonDocument
from shared.sources.names import OPENWEATHER

KEY_REJECTED = "openweather rejected the API key (HTTP 401)"
NO_KEY = "openweather has no API key: set OPENWEATHER_API_KEY or OPENWEATHER_API_KEY_FILE"
# Every character str.strip() removes, spelled out: regex engines disagree on what \s is.
_BLANKS = (
    "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
# ``params.id`` of a detail sync: one city, not blank, without the list's comma.
CITY_NAME: Any = Annotated[
    str,
    StringConstraints(
        min_length=1, max_length=MAX_CITY_CHARS, pattern=f"^[^,]*[^,{_BLANKS}][^,]*$"
    ),
]


class OpenWeatherSource:
    """``GET /weather?q=<city>&appid=<key>``; the city's id and name identify the item."""

    name = OPENWEATHER

    def __init__(self, settings: OpenweatherSettings, client: UpstreamClient) -> None:
        self._settings = settings
        self._client = client

    def plan(self, operation: str, params: dict[str, Any]) -> list[Command]:
        """``list``: one command per configured city; ``detail``: the one city in ``params.id``."""
        if operation == "list":
            return [WeatherCommand(city=city) for city in self._settings.city_list]
        if operation == "detail":
            city = str(params.get("id") or "").strip()
            if not city or len(city) > MAX_CITY_CHARS or "," in city:
                raise InvalidRequest(
                    "params.id must be one city name (1 to 100 characters, no comma)",
                    field="params.id",
                )
            return [WeatherCommand(city=city)]
        raise InvalidRequest(f"operation {operation!r} is not supported", field="operation")

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
