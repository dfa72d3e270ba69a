"""Assembling the stand-in aiohttp application."""

from __future__ import annotations

from aiohttp import web

from harness.standin import conditional, control, github, openweather, pokeapi
from harness.standin.faults import fault_middleware
from harness.standin.state import STATE_KEY, StandinState


def create_app(state: StandinState | None = None) -> web.Application:
    """Return the stand-in application serving ``state`` (the recorded fixtures by default)."""
    # Overrides may be large: tests serve payloads of a few MB.
    # Faults wrap the origin's conditional answers, as a proxy in front of Express would.
    app = web.Application(
        middlewares=[fault_middleware, conditional.conditional_middleware],
        client_max_size=64 * 1024 * 1024,
    )
    app[STATE_KEY] = state if state is not None else StandinState.create()
    pokeapi.add_routes(app)
    conditional.add_routes(app)
    openweather.add_routes(app)
    github.add_routes(app)
    control.add_routes(app)
    return app
