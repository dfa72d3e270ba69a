"""Test clients of the stand-in app, in process: the types the stand-in's unit tests share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.test_utils import TestClient

from harness.standin.state import StandinState

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[[StandinState | None], Awaitable[Client]]
