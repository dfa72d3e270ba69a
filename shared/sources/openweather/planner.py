"""OpenWeather's planning: a list job is one command per configured city, a detail one city."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import StringConstraints

from shared.config import MAX_CITY_CHARS, OpenweatherSettings
from shared.models.commands import Command, WeatherCommand
from shared.models.spec import DetailParams, SyncSpec

NAME = "openweather"

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


class OpenWeatherPlanner:
    """``list``: one command per city in ``OPENWEATHER_CITIES``; ``detail``: the city named."""

    name: ClassVar[str] = NAME
    detail_id: ClassVar[Any] = CITY_NAME

    def __init__(self, settings: OpenweatherSettings) -> None:
        self._settings = settings

    incremental: ClassVar[bool] = False

    def plan(self, spec: SyncSpec, *, since: str | None = None) -> list[Command]:
        """One weather command per city; a detail's city is taken without surrounding blanks."""
        if isinstance(spec.params, DetailParams):
            return [WeatherCommand(city=str(spec.params.id).strip())]
        return [WeatherCommand(city=city) for city in self._settings.city_list]
