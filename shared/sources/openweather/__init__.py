"""OpenWeather: the current weather of each configured city, one command per city."""

from shared.sources.openweather.fetcher import KEY_REJECTED, NO_KEY, OpenWeatherFetcher
from shared.sources.openweather.planner import CITY_NAME, NAME, OpenWeatherPlanner

__all__ = [
    "CITY_NAME",
    "KEY_REJECTED",
    "NAME",
    "NO_KEY",
    "OpenWeatherFetcher",
    "OpenWeatherPlanner",
]
