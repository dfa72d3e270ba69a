"""Local stand-in for the PokeAPI and OpenWeather upstreams, used by tests and benchmarks.

It serves the recorded fixtures in ``tests/fixtures`` (or a synthetic catalogue) the way the
live APIs answer, can inject faults, and exposes a control API under ``/_standin/``.
See ``tests/fixtures/README.md`` for the upstream behaviour it reproduces.
"""
