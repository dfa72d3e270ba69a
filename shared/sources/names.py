"""Names of the sources item-sync knows; config validates against them."""

from __future__ import annotations

POKEMON = "pokemon"
OPENWEATHER = "openweather"

SOURCE_NAMES: frozenset[str] = frozenset({POKEMON, OPENWEATHER})


def not_enabled_message(source: str, enabled: list[str]) -> str:
    """What to do when a sync names a source outside ``API_API_TYPE``: one line."""
    if source not in SOURCE_NAMES:
        return f"unknown source {source!r}; choose from {', '.join(sorted(SOURCE_NAMES))}"
    wanted = ",".join([*enabled, source])
    return (
        f"source {source!r} is not enabled: set API_API_TYPE={wanted} "
        "(in the environment or .env) and restart"
    )
