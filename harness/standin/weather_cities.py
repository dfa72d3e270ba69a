"""Made-up answers for the default cities no recording covers (Paris, Tokyo, New York, Sydney).

``OPENWEATHER_CITIES`` defaults to five cities, and only London was recorded; without these a
first local OpenWeather sync would end ``partial``. Each answer is London's recorded body with
the city's own OpenWeather id, name, country, coordinates and time zone; the weather values
are London's. They are not recordings, so they live here and not in ``tests/fixtures``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True)
class City:
    """What distinguishes one city's answer: OpenWeather's id and where the city is."""

    openweather_id: int
    name: str
    country: str
    lat: float
    lon: float
    timezone_s: int


DEFAULT_CITIES_NOT_RECORDED = (
    City(2988507, "Paris", "FR", 48.8534, 2.3488, 7200),
    City(1850147, "Tokyo", "JP", 35.6895, 139.6917, 32400),
    City(5128581, "New York", "US", 40.7143, -74.006, -14400),
    City(2147714, "Sydney", "AU", -33.8679, 151.2073, 36000),
)


def city_bodies(london_body: bytes) -> Mapping[str, bytes]:
    """Each made-up city's compact JSON body, keyed by its lower-case name."""
    template: dict[str, Any] = orjson.loads(london_body)
    bodies: dict[str, bytes] = {}
    for city in DEFAULT_CITIES_NOT_RECORDED:
        body = {
            **template,
            "coord": {"lon": city.lon, "lat": city.lat},
            "sys": {**template["sys"], "country": city.country},
            "timezone": city.timezone_s,
            "id": city.openweather_id,
            "name": city.name,
        }
        bodies[city.name.lower()] = orjson.dumps(body)
    return bodies


def city_of(query: str) -> str:
    """The city part of a ``q`` value, lower-case: ``'Paris,FR'`` → ``'paris'``."""
    return query.split(",", 1)[0].strip().lower()
