"""Request rates as operators write them: N/s, N/min, N/h, or 0 for no limit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.config import load_settings
from shared.errors import ConfigError
from shared.sources.registry import load_declared
from shared.values.rates import Rate, parse_rate


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("60/min", Rate(60, timedelta(minutes=1))),
        ("100/s", Rate(100, timedelta(seconds=1))),
        (" 5000 / h ", Rate(5000, timedelta(hours=1))),
        ("10/m", Rate(10, timedelta(minutes=1))),
        ("100/hour", Rate(100, timedelta(hours=1))),
        ("1000/d", Rate(1000, timedelta(days=1))),
        ("0", None),
        ("off", None),
        ("unlimited", None),
        (0, None),
    ],
)
def test_parse_rate(text: object, rate: Rate | None) -> None:
    """Each written form parses to the count and period it names; 0 means no limit."""
    assert parse_rate(text) == rate


@pytest.mark.parametrize(
    "text", ["", "60", "ten/min", "60/fortnight", "-1/s", "0/s", "a/s", "1.5/s", "10/"]
)
def test_parse_rate_rejects_other_text(text: str) -> None:
    """Anything else is a ValueError that shows the accepted forms."""
    with pytest.raises(ValueError, match="60/min"):
        parse_rate(text)


def test_interval_spreads_requests_evenly() -> None:
    """60/min is one request a second; 100/s one every 10 ms."""
    assert Rate(60, timedelta(minutes=1)).interval_us == 1_000_000
    assert Rate(100, timedelta(seconds=1)).interval_us == 10_000


def test_defaults_are_fair_to_each_upstream(monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenWeather defaults to its free tier's 60/min, PokeAPI to 100/s."""
    for name in ("OPENWEATHER_RATE_LIMIT", "POKEAPI_RATE_LIMIT"):
        monkeypatch.delenv(name, raising=False)
    sources = load_declared()
    assert str(sources["openweather"].definition.rate_limit) == "60/min"
    assert str(sources["pokemon"].definition.rate_limit) == "100/s"


def test_invalid_rate_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad OPENWEATHER_RATE_LIMIT stops start-up with one line naming it."""
    monkeypatch.setenv("OPENWEATHER_RATE_LIMIT", "lots")
    with pytest.raises(ConfigError, match=r"rate_limit: .*\(from OPENWEATHER_RATE_LIMIT='lots'\)$"):
        load_settings(env_file=None)
