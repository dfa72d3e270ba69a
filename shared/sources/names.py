"""Names of the sources item-sync knows; config validates against them."""

from __future__ import annotations

POKEMON = "pokemon"
OPENWEATHER = "openweather"

SOURCE_NAMES: frozenset[str] = frozenset({POKEMON, OPENWEATHER})
