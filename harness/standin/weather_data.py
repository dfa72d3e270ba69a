"""The recorded OpenWeather bodies and which request gets which (fixtures README, section 2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import orjson

from harness.standin.weather_cities import city_bodies, city_of

OPENWEATHER_DIR = "openweather"
LONDON_QUERIES = frozenset({"london", "london,gb", "london,uk"})
ZOCCA_QUERIES = frozenset({"zocca", "zocca,it"})
ZOCCA_COORDS = (44.34, 10.99)


@dataclass(frozen=True)
class WeatherReply:
    """One recorded body and the HTTP status it is sent with (the body's ``cod``)."""

    status: int
    body: bytes

    @classmethod
    def load(cls, path: Path) -> WeatherReply:
        """Read a body file byte-exactly and take the status from its ``cod``."""
        body = path.read_bytes()
        # ``cod`` is the string "404" in one body, so convert instead of trusting its type.
        return cls(status=int(orjson.loads(body)["cod"]), body=body)


@dataclass(frozen=True)
class WeatherBodies:
    """The five recorded OpenWeather bodies."""

    london: WeatherReply
    zocca: WeatherReply
    invalid_key: WeatherReply
    city_not_found: WeatherReply
    too_many_requests: WeatherReply
    # The other default cities, made up from London's body (see weather_cities).
    made_up: Mapping[str, WeatherReply]

    @classmethod
    def load(cls, fixtures_dir: Path) -> WeatherBodies:
        """Load the bodies from ``<fixtures_dir>/openweather``."""
        folder = fixtures_dir / OPENWEATHER_DIR
        london = WeatherReply.load(folder / "weather_200_london_recorded.json")
        made_up = {
            name: WeatherReply(status=200, body=body)
            for name, body in city_bodies(london.body).items()
        }
        return cls(
            london=london,
            zocca=WeatherReply.load(folder / "weather_200_zocca_docs_example.json"),
            invalid_key=WeatherReply.load(folder / "weather_401_invalid_api_key.json"),
            city_not_found=WeatherReply.load(folder / "weather_404_city_not_found.json"),
            too_many_requests=WeatherReply.load(folder / "weather_429_too_many_requests.json"),
            made_up=made_up,
        )


def _is_zocca_coords(query: Mapping[str, str]) -> bool:
    try:
        lat, lon = float(query["lat"]), float(query["lon"])
    except (KeyError, ValueError):
        return False
    return abs(lat - ZOCCA_COORDS[0]) < 1e-6 and abs(lon - ZOCCA_COORDS[1]) < 1e-6


def choose_reply(
    query: Mapping[str, str], api_key: str, bodies: WeatherBodies, *, rate_limited: bool
) -> WeatherReply:
    """Pick the reply for a ``/data/2.5/weather`` query string.

    A bad key wins over everything (a blocked account still needs a valid key). The default
    cities without a recording get made-up answers; any other city answers "city not found".
    """
    if query.get("appid") != api_key:
        return bodies.invalid_key
    if rate_limited:
        return bodies.too_many_requests
    city = query.get("q")
    if city is not None:
        city = city.strip().lower()
        if city in LONDON_QUERIES:
            return bodies.london
        if city in ZOCCA_QUERIES:
            return bodies.zocca
        return bodies.made_up.get(city_of(city), bodies.city_not_found)
    if _is_zocca_coords(query):
        return bodies.zocca
    return bodies.city_not_found
