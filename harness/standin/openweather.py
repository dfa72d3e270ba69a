"""OpenWeather route: ``GET /data/2.5/weather`` answered with the recorded bodies."""

from __future__ import annotations

from aiohttp import web

from harness.standin.state import STATE_KEY
from harness.standin.weather_data import choose_reply


async def current_weather(request: web.Request) -> web.Response:
    """Answer a current-weather query with the recorded body its parameters map to."""
    state = request.app[STATE_KEY]
    reply = choose_reply(
        request.query,
        state.openweather_key,
        state.weather,
        rate_limited=state.faults.openweather_429,
    )
    # Bodies go out byte-exact: the live API's odd spacing in error bodies is part of the test.
    return web.Response(
        status=reply.status, body=reply.body, content_type="application/json", charset="utf-8"
    )


def add_routes(app: web.Application) -> None:
    """Register the OpenWeather route under the ``weather`` counter."""
    app.router.add_get("/data/2.5/weather", current_weather, name="weather")
